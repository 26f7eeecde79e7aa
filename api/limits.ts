/** Request bodies are capped: the largest form is a few kilobytes. Said in the 413's message. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The cap as people read it. */
export const BODY_LIMIT_TEXT = `${BODY_LIMIT_BYTES / 1024 / 1024} MiB`;
