/** The most of an instructions file read into the prompt. */
export const MAX_INSTRUCTIONS_BYTES = 64 * 1024;
