/**
 * What every process file is built from: its XState event types derived from its command
 * schemas, and machine guards derived from its rules, so that a guard and the RuleSpec the
 * engine reports never disagree.
 */
import type { z } from 'zod';
import type { CommandEvent, RuleSpec } from './types.js';

/** The XState events of a process: one `CommandEvent` per command schema, its data typed by the schema. */
export type EventsOf<Schemas extends Record<string, z.ZodType>> = {
  [Type in keyof Schemas & string]: CommandEvent<Type, z.output<Schemas[Type]>>;
}[keyof Schemas & string];

/** A machine guard that asks `rule`, with the event's data and links. */
export function guardOf<Context, Data>(rule: RuleSpec<Context, Data>) {
  return ({ context, event }: { context: Context; event: CommandEvent }): boolean =>
    rule.holds(context, event.data as Data, { links: event.links });
}

