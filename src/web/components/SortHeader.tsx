import { Table } from '@mantine/core';

/** A sortable column header: a button inside <th> with aria-sort. `sort` is like "name" or "-name". */
export function SortHeader({ label, field, sort, onSort, w }: { label: string; field: string; sort: string; onSort: (s: string) => void; w?: number | string }) {
  const active = sort === field || sort === `-${field}`;
  const desc = sort === `-${field}`;
  return (
    <Table.Th w={w} aria-sort={active ? (desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(active && !desc ? `-${field}` : field)}>
        {label}
        <span aria-hidden="true">{active ? (desc ? '▼' : '▲') : '↕'}</span>
      </button>
    </Table.Th>
  );
}
