import { series } from './builders';
import { AGENT_HEARTBEAT_METRIC, EXPECTED_AGENTS, JOBS } from './conventions';
import type { RuleFileSpec } from './types';

const job = JOBS.greenlangAgents;
const sel = `job="${job}"`;
/** A heartbeat is due every 60s; five missed ones mean the agent is stuck or gone. */
export const AGENT_HEARTBEAT_MAX_AGE_SECONDS = 300;

const agentIds = (count: number) => Array.from({ length: count }, (_, i) => `agent-${String(i + 1).padStart(2, '0')}`);

/** GreenLang agents (47+): each reports a heartbeat timestamp. */
export function agentRules(): RuleFileSpec {
  const age = `time() - ${AGENT_HEARTBEAT_METRIC}{${sel}}`;
  return {
    name: 'agents',
    evaluator: 'prometheus',
    runbook: 'agents',
    service: 'greenlang-agents',
    groups: [
      {
        name: 'greenlang-agents',
        rules: [
          {
            alert: 'GreenLangAgentHeartbeatMissing',
            expr: `time() - max by (job, agent) (${AGENT_HEARTBEAT_METRIC}{${sel}}) > ${AGENT_HEARTBEAT_MAX_AGE_SECONDS}`,
            for: '5m',
            severity: 'warning',
            summary: 'GreenLang agent {{ $labels.agent }} stopped sending heartbeats',
            description: `Agent {{ $labels.agent }} has not reported a heartbeat for more than ${AGENT_HEARTBEAT_MAX_AGE_SECONDS / 60} minutes: it is stuck, crash-looping or cut off from its dependencies.`,
            test: {
              firing: [series(AGENT_HEARTBEAT_METRIC, { job, agent: 'agent-07' }, '0x40')],
              healthy: [series(AGENT_HEARTBEAT_METRIC, { job, agent: 'agent-07' }, '0+60x40')],
              labels: { job, agent: 'agent-07' },
            },
          },
          {
            alert: 'GreenLangAgentsManyMissing',
            expr: `count by (job) (${age} > ${AGENT_HEARTBEAT_MAX_AGE_SECONDS}) / count by (job) (${AGENT_HEARTBEAT_METRIC}{${sel}}) > 0.1`,
            for: '5m',
            severity: 'critical',
            summary: 'More than 10% of GreenLang agents stopped sending heartbeats',
            description:
              'Many agents are silent at once: a shared dependency (queue, database, network, a bad release) is the likely cause, not the agents themselves.',
            test: {
              firing: [
                series(AGENT_HEARTBEAT_METRIC, { job, agent: 'agent-01' }, '0x40'),
                series(AGENT_HEARTBEAT_METRIC, { job, agent: 'agent-02' }, '0x40'),
                series(AGENT_HEARTBEAT_METRIC, { job, agent: 'agent-03' }, '0+60x40'),
              ],
              healthy: [
                series(AGENT_HEARTBEAT_METRIC, { job, agent: 'agent-01' }, '0+60x40'),
                series(AGENT_HEARTBEAT_METRIC, { job, agent: 'agent-02' }, '0+60x40'),
                series(AGENT_HEARTBEAT_METRIC, { job, agent: 'agent-03' }, '0+60x40'),
              ],
              labels: { job },
            },
          },
          {
            alert: 'GreenLangAgentFleetIncomplete',
            expr: `count by (job) (max by (job, agent) (${AGENT_HEARTBEAT_METRIC}{${sel}})) < ${EXPECTED_AGENTS}`,
            for: '15m',
            severity: 'warning',
            summary: `Fewer than ${EXPECTED_AGENTS} GreenLang agents are reporting`,
            description: `Prometheus sees fewer than ${EXPECTED_AGENTS} agents: agents that are not scraped at all never trip the heartbeat alert, so this counts them.`,
            test: {
              firing: agentIds(EXPECTED_AGENTS - 2).map((agent) =>
                series(AGENT_HEARTBEAT_METRIC, { job, agent }, '0+60x40'),
              ),
              healthy: agentIds(EXPECTED_AGENTS).map((agent) =>
                series(AGENT_HEARTBEAT_METRIC, { job, agent }, '0+60x40'),
              ),
              labels: { job },
            },
          },
        ],
      },
    ],
  };
}
