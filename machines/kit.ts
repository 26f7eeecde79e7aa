/**
 * What every process file is built from: its XState event types derived from its command
 * schemas, and machine guards derived from its rules, so that a guard and the RuleSpec the
 * engine reports never disagree.
 */
import type { z } from 'zod';
import type { CommandEvent, RuleFacts, RuleSpec } from './types.js';

/** How far ahead of the server's clock a client's own clock may run (an instant it states or asks about). */
export const CLOCK_SKEW_MS = 10 * 60 * 1000;

/** The XState events of a process: one `CommandEvent` per command schema, its data typed by the schema. */
export type EventsOf<Schemas extends Record<string, z.ZodType>> = {
  [Type in keyof Schemas & string]: CommandEvent<Type, z.output<Schemas[Type]>>;
}[keyof Schemas & string];

/** A machine guard that asks `rule`, with the event's data, instant and links: the facts the engine gives the rule. */
export function guardOf<Context, Data>(rule: RuleSpec<Context, Data>) {
  return ({ context, event }: { context: Context; event: CommandEvent }): boolean =>
    rule.holds(context, event.data as Data, { at: event.at, ...(event.links ? { links: event.links } : {}) });
}

const BEIJING_OFFSET_MS = 8 * 3_600_000;

/**
 * The Beijing (Asia/Shanghai) date `YYYY-MM-DD` of an instant. China keeps UTC+8 all year (no
 * daylight saving since 1991), so a fixed offset is exact for any instant a command carries;
 * machines/ may not call the calendars/ functions.
 */
function beijingDateOf(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${at}`);
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * The Beijing date the command was sent on, from the instant in a rule's facts: the day to compare
 * with the dates of a form. A rule that needs it and is asked without it is a mistake of its
 * caller, never a refusal: it throws.
 */
export function commandDay(facts: RuleFacts | undefined): string {
  if (facts?.at === undefined) throw new Error('this rule needs the command’s instant (RuleFacts.at)');
  return beijingDateOf(facts.at);
}
