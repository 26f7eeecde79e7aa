import { z } from 'zod';
import type { CaseState } from '../engine/index.js';
import { taskView } from '../projections/audit.js';
import { allStates } from '../machines/describe.js';
import type { ProcessRegistry } from '../machines/registry.js';

/** API.md `tasks`. */
export const TaskView = z.object({
  stage: z.string(),
  label: z.string(),
  role: z.string(),
  org: z.string(),
  enteredAt: z.string(),
  dueAt: z.string().nullable(),
  dueDate: z.string().nullable(),
  basis: z.string().nullable(),
  provisional: z.boolean(),
  calendarVersion: z.string().nullable(),
});

/** One event of a history (API.md `GET /v1/cases/:id/history`). */
export const HistoryEvent = z.object({
  revision: z.number(),
  position: z.number(),
  id: z.string(),
  type: z.string(),
  command: z.string(),
  at: z.string(),
  actor: z.object({ sub: z.string(), name: z.string().optional(), role: z.string(), org: z.string() }),
  machine: z.object({ name: z.string(), version: z.number() }),
  stateBefore: z.string().nullable(),
  stateAfter: z.string(),
  data: z.unknown(),
  deadlines: z.object({
    opened: z.array(TaskView),
    closed: z.array(z.object({ stage: z.string(), completedAt: z.string(), cancelled: z.literal(true).optional() })),
    restated: z.array(z.unknown()),
  }),
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
  hash: z.string(),
  prevHash: z.string(),
});

export const CaseView = z.object({
  id: z.string(),
  process: z.string(),
  version: z.number(),
  state: z.string(),
  final: z.boolean(),
  revision: z.number(),
  input: z.unknown(),
  context: z.unknown(),
  tasks: z.array(TaskView),
  allowedCommands: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function caseView(state: CaseState, allowedCommands: string[]): z.infer<typeof CaseView> {
  return {
    id: state.caseId,
    process: state.process,
    version: state.version,
    state: state.state,
    final: state.final,
    revision: state.revision,
    input: state.input,
    context: state.snapshot.context,
    tasks: state.tasks.map(taskView),
    allowedCommands,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}

/**
 * Query filters naming a process or a state: one the registry knows (any version). A misspelt
 * filter is refused with the choices, rather than answered with an empty list that looks like
 * "no work".
 */
export function registryFilters(registry: ProcessRegistry) {
  const names = registry.names();
  const states = [...new Set(registry.list().flatMap((def) => allStates(def)))].sort();
  return {
    process: z
      .string()
      .max(100)
      .refine((v) => names.includes(v), { error: `未知的流程，可选：${names.join('、')}` }),
    state: z
      .string()
      .max(100)
      .refine((v) => states.includes(v), { error: `未知的状态，可选：${states.join('、')}` }),
  };
}
