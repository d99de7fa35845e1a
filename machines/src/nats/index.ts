/**
 * @module nats
 * The machines' NATS plumbing: connection, JetStream topology, heartbeats.
 */
export { connectNats, parseServers, type ConnectNatsOptions, type NatsHandles } from './connect.ts';
export { ensureTopology, TopologyError, TOPOLOGY_DEFAULTS, type Topology, type TopologyOptions } from './topology.ts';
export {
  heartbeatKey,
  listMachines,
  MachineHeartbeat,
  startHeartbeat,
  type Heartbeat,
  type LiveMachine,
  type MachineInfo,
} from './heartbeat.ts';
export { createKvCatchAllStore, catchAllKey } from './catch-all-kv.ts';
