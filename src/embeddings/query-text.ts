// The one rule for texts clients send to be embedded by CLIP (search queries, liked texts,
// classification labels and templates): trimmed, not empty, at most MAX_QUERY_TEXT_LENGTH characters.
// (CLIP's tokenizer keeps 77 tokens; the bound only keeps requests small.)
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';

export const MAX_QUERY_TEXT_LENGTH = 1000;

export function queryTextProblem(text: string, field: string): FieldProblem | null {
  const length = text.trim().length;
  if (length === 0) return { field, message: 'must not be empty' };
  if (length > MAX_QUERY_TEXT_LENGTH)
    return { field, message: `must be at most ${MAX_QUERY_TEXT_LENGTH} characters` };
  return null;
}

/** The trimmed text, or BAD_USER_INPUT naming the field. */
export function assertQueryText(text: string, field: string): string {
  const problem = queryTextProblem(text, field);
  if (problem) throw new ValidationError([problem]);
  return text.trim();
}
