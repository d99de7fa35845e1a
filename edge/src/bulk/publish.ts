/**
 * @module bulk/publish
 * Publishes a job's chunks to `jobs.submit.<jobId>`, each with Nats-Msg-Id `<jobId>:chunk:<i>`,
 * a few at a time: JetStream drops a chunk it already holds, so a retried request never doubles a job.
 */
import { DEFAULT_CHUNK_SIZE, jobChunks, type JobToChunk } from '../../../shared/jobs.ts';
import { jobChunkMsgId, SUBJECTS } from '../../../shared/subjects.ts';
import type { HubClient } from '../nats/hub-client.ts';

/** Chunk publishes in flight at once: enough to hide the round trip, few enough for the hub's connection. */
const PUBLISH_WINDOW = 8;

export interface PublishedJob {
  chunks: number;
  /** Chunks JetStream already had (a retry of the same job). */
  duplicates: number;
}

export async function publishJob(
  hub: Pick<HubClient, 'publishJetStream'>,
  job: JobToChunk & { createdAt: string },
): Promise<PublishedJob> {
  const chunks = jobChunks(job, DEFAULT_CHUNK_SIZE);
  let next = 0;
  let duplicates = 0;
  const publishNext = async () => {
    const chunk = chunks[next++]!;
    const ack = await hub.publishJetStream(SUBJECTS.jobSubmit(job.jobId), JSON.stringify(chunk), { msgId: jobChunkMsgId(job.jobId, chunk.chunkIndex) });
    if (ack.duplicate) duplicates++;
  };
  // The first chunk alone: once its ack is back, a failure later is known to have left part of the
  // job in JOBS (the route answers intake_incomplete with the job id). With the first few in flight
  // together, NATS dying could lose every ack at once, and a stored part would read as nothing sent.
  await publishNext();
  const worker = async () => {
    while (next < chunks.length) await publishNext();
  };
  await Promise.all(Array.from({ length: Math.min(PUBLISH_WINDOW, chunks.length - 1) }, worker));
  return { chunks: chunks.length, duplicates };
}
