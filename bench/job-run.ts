/**
 * @module bench/job-run
 * A bulk job as the edge submits it (its chunks on JOBS, with their message ids), then the
 * machines' job-status endpoint polled until the job is finished.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { jobChunks } from '../shared/jobs.ts';
import type { JobStatus } from '../shared/messages.ts';
import { jobChunkMsgId, SERVICE, SUBJECTS } from '../shared/subjects.ts';

export async function runJob(nc: NatsConnection, jobId: string, emails: string[], opts: { tenantId?: string; pollMs?: number } = {}): Promise<JobStatus> {
  const tenantId = opts.tenantId ?? 'bench';
  const js = jetstream(nc);
  for (const chunk of jobChunks({ jobId, tenantId, emails })) {
    await js.publish(SUBJECTS.jobSubmit(jobId), JSON.stringify(chunk), { msgID: jobChunkMsgId(jobId, chunk.chunkIndex) });
  }
  for (;;) {
    const reply = await nc.request(SERVICE.endpoints.jobStatus, JSON.stringify({ tenantId, jobId }), { timeout: 5000 });
    const status = reply.json<JobStatus>();
    if (status.state === 'finished') return status;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 50));
  }
}
