import { Select, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';

export interface Option {
  value: string;
  label: string;
}

/** A searchable select whose options come from the server (`search(q)`), for long lists. */
export function RemoteSelect({ queryKey, search, value, valueLabel, onChange, ...rest }: Omit<SelectProps, 'data' | 'value' | 'onChange'> & { queryKey: string; search: (q: string) => Promise<Option[]>; value: string | null; valueLabel?: string | null; onChange: (value: string | null, label: string | null) => void }) {
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q, 250);
  const [selectedLabel, setSelectedLabel] = useState<string | null>(valueLabel ?? null);
  const results = useQuery({ queryKey: [queryKey, 'search', debounced], queryFn: () => search(debounced), placeholderData: keepPreviousData });
  const label = selectedLabel ?? valueLabel ?? null;
  const data: Option[] = [...(value && label ? [{ value, label }] : []), ...(results.data ?? []).filter((o) => o.value !== value)];
  return (
    <Select
      {...rest}
      searchable
      data={data}
      value={value}
      searchValue={q}
      onSearchChange={setQ}
      filter={({ options }) => options}
      nothingFoundMessage={results.isFetching ? 'Searching…' : 'Nothing found'}
      onChange={(v, opt) => {
        setSelectedLabel(opt?.label ?? null);
        onChange(v, opt?.label ?? null);
      }}
    />
  );
}
