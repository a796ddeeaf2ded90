/**
 * Wall-clock arithmetic in an IANA time zone, with the runtime's ICU (Node's full-icu, also in the Lambda runtime).
 * Pure: no clock, no environment.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** Whether `zone` names a time zone this runtime knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    formatFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** `timeZone`'s offset from UTC at instant `at` (ms; +3,600,000 for CET). */
export function timeZoneOffsetMs(timeZone: string, at: number): number {
  const parts: Record<string, string> = {};
  for (const part of formatFor(timeZone).formatToParts(new Date(at))) parts[part.type] = part.value;
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The instant that shows the same wall-clock time as `at`, `days` calendar days earlier in `timeZone`: one week
 * before Monday 08:00 Europe/Berlin is the previous Monday 08:00 there, 167 or 169 hours back across a
 * daylight-saving change. A wall time that does not exist that day (inside a spring-forward gap) resolves to the
 * instant the offset before the change gives it.
 */
export function sameWallTimeDaysBefore(at: number, days: number, timeZone: string): number {
  const wall = at + timeZoneOffsetMs(timeZone, at) - days * 86_400_000;
  // The offset at the result may differ from the one at `at`: two corrections settle it (offsets change at most
  // twice a year).
  let instant = wall - timeZoneOffsetMs(timeZone, wall - timeZoneOffsetMs(timeZone, at));
  const corrected = wall - timeZoneOffsetMs(timeZone, instant);
  if (corrected !== instant && timeZoneOffsetMs(timeZone, corrected) + corrected === wall) instant = corrected;
  return instant;
}
