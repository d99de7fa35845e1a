/**
 * @module test/support/nats-cluster
 * A throw-away 3-node JetStream cluster on 127.0.0.1 (free ports, one store dir per node, routes
 * between all three, WebSocket on each), for tests about clustering: kill a node or the current
 * leader of a stream, restart it, and see the cluster carry on.
 */
import { AddressInUse, freePorts, startNatsServer, type NatsServerHandle } from './nats-server.ts';

export interface NatsClusterHandle {
  nodes: NatsServerHandle[];
  /** `nats://…` of every node, comma-separated, as NATS_URL takes it. */
  url: string;
  /** `ws://…` of every node, comma-separated, as the edge's NATS_URL takes it. */
  wsUrl: string;
  /** The node that leads `stream` now (from its /jsz), or null during an election. */
  streamLeader(stream: string): Promise<NatsServerHandle | null>;
  /** Waits until `stream` has a leader and every replica is current. */
  waitStreamHealthy(stream: string, timeoutMs?: number): Promise<NatsServerHandle>;
  stop(): Promise<void>;
}

interface JszStream {
  name: string;
  cluster?: { leader?: string; replicas?: { name: string; current: boolean; offline?: boolean }[] };
}
interface Jsz {
  server_name?: string;
  account_details?: { stream_detail?: JszStream[] }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function jsz(node: NatsServerHandle): Promise<Jsz | null> {
  try {
    const res = await fetch(`${node.monitorUrl}/jsz?accounts=true&streams=true`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? ((await res.json()) as Jsz) : null;
  } catch {
    return null;
  }
}

export async function startNatsCluster(size = 3, clusterName = 'emailcheck-test'): Promise<NatsClusterHandle> {
  for (let attempt = 1; ; attempt++) {
    const all = await freePorts(size * 4);
    const ports = Array.from({ length: size }, (_, i) => ({ client: all[i * 4]!, monitor: all[i * 4 + 1]!, ws: all[i * 4 + 2]!, cluster: all[i * 4 + 3]! }));
    const routePorts = ports.map((p) => p.cluster);
    // Started together: a clustered node is healthy only once the meta group has a leader.
    const started = await Promise.allSettled(
      ports.map((p, i) => startNatsServer({ websocket: true, readyTimeoutMs: 30_000, cluster: { clusterName, serverName: `n${i + 1}`, ports: p, routePorts } })),
    );
    const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.allSettled(nodes.map((n) => n.stop()));
      if (failed.reason instanceof AddressInUse && attempt < 5) continue;
      throw failed.reason;
    }
    const names = new Map(nodes.map((n, i) => [`n${i + 1}`, n]));

    const streamOn = async (node: NatsServerHandle, stream: string): Promise<JszStream | null> =>
      (await jsz(node))?.account_details?.flatMap((a) => a.stream_detail ?? []).find((d) => d.name === stream) ?? null;
    /** The stream as its leader reports it: only the leader knows whether its followers are current. */
    const streamInfo = async (stream: string): Promise<JszStream | null> => {
      for (const node of nodes) {
        const leader = (await streamOn(node, stream))?.cluster?.leader;
        const leaderNode = leader ? names.get(leader) : undefined;
        if (leaderNode) {
          const s = await streamOn(leaderNode, stream);
          if (s?.cluster?.leader === leader) return s;
        }
      }
      return null;
    };

    return {
      nodes,
      url: nodes.map((n) => n.url).join(','),
      wsUrl: nodes.map((n) => n.wsUrl!).join(','),
      async streamLeader(stream) {
        const s = await streamInfo(stream);
        return (s?.cluster?.leader && names.get(s.cluster.leader)) || null;
      },
      async waitStreamHealthy(stream, timeoutMs = 30_000) {
        const until = Date.now() + timeoutMs;
        let last: JszStream | null = null;
        while (Date.now() < until) {
          last = await streamInfo(stream);
          const replicas = last?.cluster?.replicas ?? [];
          const leader = last?.cluster?.leader ? names.get(last.cluster.leader) : undefined;
          if (leader && replicas.length === size - 1 && replicas.every((r) => r.current && !r.offline)) return leader;
          await sleep(100);
        }
        const behind = (last?.cluster?.replicas ?? []).filter((r) => !r.current).map((r) => names.get(r.name));
        const logs = behind.map((n) => n?.logs().split('\n').filter((l) => !/Healthcheck failed/.test(l)).slice(-20).join('\n')).join('\n---\n');
        throw new Error(`stream ${stream} not healthy within ${timeoutMs} ms: ${JSON.stringify(last?.cluster ?? null)}\n${logs}`);
      },
      async stop() {
        await Promise.allSettled(nodes.map((n) => n.stop()));
      },
    };
  }
}
