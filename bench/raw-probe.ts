/**
 * @module bench/raw-probe
 * The baseline: the least an SMTP check can do. Connect, banner, EHLO, MAIL, RCPT,
 * QUIT, one command per round trip, no DNS, no parsing beyond the reply code.
 */
import { connect } from 'node:net';

export function rawProbe(host: string, port: number, rcpt: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const script = ['EHLO bench.test', 'MAIL FROM:<bench@bench.test>', `RCPT TO:<${rcpt}>`, 'QUIT'];
    let buffer = '';
    let step = 0;
    let rcptCode = 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line[3] === '-') continue; // multi-line reply goes on
        if (step === 3) rcptCode = Number(line.slice(0, 3));
        if (step === script.length) {
          socket.end();
          resolve(rcptCode);
          return;
        }
        socket.write(`${script[step++]}\r\n`);
      }
    });
    socket.on('error', reject);
  });
}
