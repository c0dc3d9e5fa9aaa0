// Words and times as every page shows them: a code's label from a page's table (the code itself
// when the table lacks it), an instant in Casablanca's time.

const stamp = new Intl.DateTimeFormat('fr-FR', {
  dateStyle: 'short',
  timeStyle: 'short',
  timeZone: 'Africa/Casablanca',
});

/** An RFC 3339 time or epoch milliseconds, in Casablanca's time. */
export function frenchTime(value: string | number | undefined | null): string {
  if (value === undefined || value === null || value === '') return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : stamp.format(d);
}

export function label(table: Record<string, string>, code: string | undefined | null): string {
  if (!code) return '';
  return table[code] ?? code;
}
