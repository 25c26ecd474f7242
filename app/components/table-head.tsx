/** A header column: plain text, right-aligned for numbers, or named for screen readers only. */
export type HeadCol = string | { label: string; kind: 'num' | 'hidden' };

export const numCol = (label: string): HeadCol => ({ label, kind: 'num' });
export const hiddenCol = (label: string): HeadCol => ({ label, kind: 'hidden' });

/** A data table's header row, one `<th scope="col">` per column. */
export function TableHead({ cols }: { cols: readonly HeadCol[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c) => {
          const label = typeof c === 'string' ? c : c.label;
          if (typeof c !== 'string' && c.kind === 'hidden')
            return (
              <th key={label} scope="col">
                <span className="sr-only">{label}</span>
              </th>
            );
          return (
            <th key={label} scope="col" className={typeof c === 'string' ? undefined : 'num'}>
              {label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
