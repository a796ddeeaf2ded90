import { scanExposition } from './fast-scan';
import { type ParseResult, parseFully } from './full-parser';

export {
  type FamilyFacts,
  formatParseError,
  isFolded,
  isGoFloat,
  isGoInt64,
  METRIC_TYPES_BY_NAME,
  type MetricFamily,
  type MetricType,
  type ParseError,
  type ParseResult,
  parseFully,
  type Sample,
} from './full-parser';

/**
 * Parses a whole exposition body as the Pushgateway does (first error wins, with its line and column). Well-formed
 * bodies take the fast scanner, which builds samples only when asked; anything else gets the complete parser.
 */
export function parseExposition(text: string): ParseResult {
  const families = scanExposition(text);
  return families === undefined ? parseFully(text) : { ok: true, families };
}
