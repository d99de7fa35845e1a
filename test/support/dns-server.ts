/**
 * @module test/support/dns-server
 * A small authoritative DNS server for tests: serves a zone from memory on
 * 127.0.0.1 (UDP, and TCP on the same port for truncated answers) and records
 * every query, so tests never resolve a real name and can assert what was asked.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question } from 'dns-packet';

/** What the server holds for one name. */
export interface DnsZoneEntry {
  /** Null MX (RFC 7505) is `[{ preference: 0, exchange: '.' }]`; it goes on the wire as the root name. */
  MX?: Array<{ preference: number; exchange: string }>;
  A?: string[];
  AAAA?: string[];
  /** Reverse names (`4.3.2.1.in-addr.arpa`) to host names. */
  PTR?: string[];
  /** Each string one TXT record (SPF, DNSBL reasons). */
  TXT?: string[];
  /** Answer every query for this name with this error code instead of records. */
  rcode?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  /** Never answer (the resolver times out). */
  drop?: true;
  /** Answer over UDP with TC set and no records, so the resolver retries over TCP. */
  tcpOnly?: true;
  /** Wait this long before answering. */
  delayMs?: number;
  /** TTL of the records, seconds. Default 0: resolvers must not cache them (tests change zones mid-test). */
  ttl?: number;
}

/** Lowercase names (no trailing dot) to their records. Absent names are NXDOMAIN; a present name without the asked type is NODATA. */
export type DnsZone = Record<string, DnsZoneEntry>;

export interface DnsQueryLog {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
}

export interface TestDnsServer {
  host: string;
  port: number;
  /** `127.0.0.1:PORT`, the form `DNS_SERVERS` and `lookupMx({ servers })` take. */
  server: string;
  /** Every question received, in order. */
  queries: DnsQueryLog[];
  setZone(zone: DnsZone): void;
  close(): Promise<void>;
}

const UDP_LIMIT = 512;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

const normalize = (name: string) => name.toLowerCase().replace(/\.$/, '');

export async function startDnsServer(initialZone: DnsZone = {}): Promise<TestDnsServer> {
  let zone = initialZone;
  const queries: DnsQueryLog[] = [];
  const host = '127.0.0.1';

  /** The response to a query, or null to stay silent. */
  async function answer(query: DecodedPacket, transport: 'udp' | 'tcp', udpLimit: number): Promise<Buffer | null> {
    const questions: Question[] = query.questions ?? [];
    for (const q of questions) queries.push({ name: normalize(q.name), type: q.type, transport });
    const q = questions[0];
    const entry = q ? zone[normalize(q.name)] : undefined;
    if (entry?.drop) return null;
    if (entry?.delayMs) await new Promise((r) => setTimeout(r, entry.delayMs));

    let rcode: number = RCODE.NOERROR;
    let answers: Answer[] = [];
    if (!q || (query as { opcode?: string }).opcode !== 'QUERY') rcode = RCODE.NOTIMP;
    else if (!entry) rcode = RCODE.NXDOMAIN;
    else if (entry.rcode) rcode = RCODE[entry.rcode];
    else if (q.type === 'MX') {
      // '.' is stripped to '' by dns-packet and encoded as the root label alone: the RFC 7505 null MX.
      answers = (entry.MX ?? []).map((mx) => ({ type: 'MX', name: q.name, ttl: entry.ttl ?? 0, data: { preference: mx.preference, exchange: mx.exchange } }));
    } else if (q.type === 'A' || q.type === 'AAAA') {
      answers = (entry[q.type] ?? []).map((ip) => ({ type: q.type as 'A' | 'AAAA', name: q.name, ttl: entry.ttl ?? 0, data: ip }));
    } else if (q.type === 'PTR') {
      answers = (entry.PTR ?? []).map((host) => ({ type: 'PTR', name: q.name, ttl: entry.ttl ?? 0, data: host }));
    } else if (q.type === 'TXT') {
      answers = (entry.TXT ?? []).map((text) => ({ type: 'TXT', name: q.name, ttl: entry.ttl ?? 0, data: text }));
    }

    const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    const packet = (records: Answer[], truncated: boolean) =>
      dnsPacket.encode({
        id: query.id,
        type: 'response',
        flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) | rcode,
        questions,
        answers: records,
      });
    let out = packet(answers, transport === 'udp' && entry?.tcpOnly === true);
    if (transport === 'udp' && out.length > udpLimit) out = packet([], true);
    return out;
  }

  const onUdpMessage = (udp: UdpSocket) => (msg: Buffer, rinfo: RemoteInfo) => {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: ignore, like a real server would
    }
    // EDNS (RFC 6891) lets the client raise the UDP size limit.
    const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const limit = Math.max(UDP_LIMIT, opt?.udpPayloadSize ?? 0);
    void answer(query, 'udp', limit).then((out) => {
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
  };

  const sockets = new Set<TcpSocket>();
  const tcp: TcpServer = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2) {
        const len = buffer.readUInt16BE(0);
        if (buffer.length < len + 2) break;
        const msg = buffer.subarray(2, len + 2);
        buffer = buffer.subarray(len + 2);
        let query: DecodedPacket;
        try {
          query = dnsPacket.decode(msg);
        } catch {
          socket.destroy();
          return;
        }
        void answer(query, 'tcp', Infinity).then((out) => {
          if (!out || socket.destroyed) return;
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(out.length);
          socket.write(Buffer.concat([prefix, out]));
        });
      }
    });
  });
  tcp.on('error', () => {});

  // UDP picks a free port; TCP must then get the same number, which another process may hold: retry a few times.
  let udp: UdpSocket | undefined;
  let port = 0;
  for (let attempt = 0; !udp; attempt++) {
    // A closed dgram socket cannot be rebound, so each attempt gets a fresh one.
    const candidate = createSocket('udp4');
    port = await new Promise<number>((resolve, reject) => {
      candidate.once('error', reject);
      candidate.bind(0, host, () => {
        candidate.off('error', reject);
        resolve(candidate.address().port);
      });
    });
    const tcpOk = await new Promise<boolean>((resolve) => {
      const onError = () => resolve(false);
      tcp.once('error', onError);
      tcp.listen(port, host, () => {
        tcp.off('error', onError);
        resolve(true);
      });
    });
    if (tcpOk) udp = candidate;
    else {
      await new Promise<void>((r) => candidate.close(() => r()));
      if (attempt >= 10) throw new Error(`dns-server: no port free for both UDP and TCP after ${attempt + 1} tries`);
    }
  }
  const udpSocket = udp;
  udpSocket.on('message', onUdpMessage(udpSocket));
  udpSocket.on('error', () => {});

  return {
    host,
    port,
    server: `${host}:${port}`,
    queries,
    setZone(next: DnsZone) {
      zone = next;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((r) => udpSocket.close(() => r())),
        new Promise<void>((r) => tcp.close(() => r())),
      ]);
    },
  };
}
