import { Alert, Anchor, Button, Card, Checkbox, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, rawFetch, toApiError, type ImportResult } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FileDropZone } from '../../components/FileDropZone';
import { plural } from '../../components/format';
import { Page } from '../../components/Page';

const COLUMNS: [string, string][] = [
  ['name', 'Required. An existing name updates that organisation.'],
  ['kind', 'Required. e.g. local_election_office, state_election_office, campaign, election_vendor'],
  ['parent', 'Name of the parent organisation (in the file or already in Rampart)'],
  ['jurisdiction_fips', '2-digit state or 5-digit county FIPS code'],
  ['website', 'https:// address'],
  ['description', ''],
  ['communities', 'Community names, separated by ;'],
  ['contact_name, contact_role, contact_phone, contact_email', 'One 24x7 contact'],
];

const SAMPLE = 'name,kind,parent,jurisdiction_fips,communities,contact_name,contact_phone,contact_email\nPima County Elections,local_election_office,Arizona State Election Office,04019,ALL community,Duty desk,+1 520 555 0100,duty@pima.example\n';

/** CSV import: pick or drop a file, see every row in error, optionally import only the valid rows. */
export function ImportPage() {
  const qc = useQueryClient();
  const announce = useAnnounce();
  const [file, setFile] = useState<File | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const choose = (f: File | null | undefined) => {
    setFile(f ?? null);
    setResult(null);
    setError(null);
  };
  const run = async (skip: boolean) => {
    if (!file) {
      setError(new ApiError(400, 'NO_FILE', 'Choose a CSV file first', [{ path: 'file', message: 'Choose a CSV file first' }]));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const text = await file.text();
      const res = await rawFetch(`/api/organisations/import?skipInvalid=${skip}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: text });
      const body: unknown = await res.json().catch(() => null);
      if (res.ok || res.status === 422) {
        const r = body as ImportResult;
        setResult(r);
        if (r.committed) {
          await qc.invalidateQueries({ queryKey: ['orgs'] });
          announce(`Import finished: ${r.created} created, ${r.updated} updated`);
        } else announce(`Nothing imported: ${plural(new Set(r.errors.map((x) => x.row)).size, 'row')} with errors`);
      } else throw toApiError(res, body);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const badRows = result ? new Set(result.errors.map((e) => e.row)).size : 0;
  const validRows = result ? result.rows - badRows : 0;
  const fileError = error instanceof ApiError && (error.field('file') || error.problems.some((p) => p.path.startsWith('column.'))) ? error.message : undefined;

  return (
    <Page title="Import organisations" crumbs={[{ label: 'Organisations', to: '/directory/organisations' }]} lead="Add or update many organisations at once from a CSV file (UTF-8, first line = column names). Rampart checks every row first: if any row has a problem, nothing is written unless you choose to import only the valid rows.">
      <Card withBorder radius="md" padding="lg">
        <Stack gap="md">
          <FileDropZone label="CSV file" prompt="Drag a CSV file here, or choose one" accept=".csv,text/csv,text/plain" error={fileError} onFiles={(files) => choose(files[0])}>
            {file ? (
              <Text fz="sm" data-testid="chosen-file">
                Selected: <strong>{file.name}</strong> ({Math.max(1, Math.round(file.size / 1024))} KB)
              </Text>
            ) : null}
          </FileDropZone>
          <Checkbox label="Import only the valid rows (skip rows with errors)" checked={skipInvalid} onChange={(e) => setSkipInvalid(e.currentTarget.checked)} />
          <Group>
            <Button onClick={() => void run(skipInvalid)} loading={busy} disabled={!file}>
              Check and import
            </Button>
          </Group>
          {error && !fileError ? <ErrorAlert error={error} title="The file could not be imported" /> : null}
        </Stack>
      </Card>

      {result ? (
        <section aria-labelledby="import-result" data-testid="import-result">
          <Title order={2} fz="lg" mb="sm" id="import-result">
            Result
          </Title>
          {result.committed ? (
            <Alert color="green" variant="light" title="Import finished">
              {plural(result.rows, 'row')} read: {result.created} created, {result.updated} updated{badRows ? `, ${plural(badRows, 'row')} skipped because of errors` : ''}.{' '}
              <Anchor component={Link} to="/directory/organisations">
                View organisations
              </Anchor>
            </Alert>
          ) : (
            <Alert color="red" variant="light" title="Nothing was imported">
              <Stack gap="xs">
                <Text fz="sm">
                  {plural(badRows, 'row')} of {result.rows} {badRows === 1 ? 'has' : 'have'} problems (listed below). Fix them in the file and try again{validRows > 0 ? `, or import the ${plural(validRows, 'valid row')} now and deal with the rest later` : ''}.
                </Text>
                {validRows > 0 ? (
                  <Group>
                    <Button size="sm" onClick={() => { setSkipInvalid(true); void run(true); }} loading={busy}>
                      Import the {plural(validRows, 'valid row')} only
                    </Button>
                  </Group>
                ) : null}
              </Stack>
            </Alert>
          )}
          {result.errors.length ? (
            <Card withBorder radius="md" mt="md" p={0}>
              <Table.ScrollContainer minWidth={520}>
                <Table striped verticalSpacing="xs" data-testid="import-errors" captionSide="top">
                  <caption style={{ textAlign: 'left', padding: '12px 16px', fontWeight: 600 }}>Problems by row (row 1 is the column names)</caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th w={80}>Row</Table.Th>
                      <Table.Th w={200}>Column</Table.Th>
                      <Table.Th>Problem</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {result.errors.map((e, i) => (
                      <Table.Tr key={`${e.row}-${e.field}-${i}`}>
                        <Table.Td>{e.row}</Table.Td>
                        <Table.Td className="mono">{e.field}</Table.Td>
                        <Table.Td>{e.message}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Card>
          ) : null}
        </section>
      ) : null}

      <Card withBorder radius="md" padding="lg">
        <Title order={2} fz="lg" mb="sm">
          Columns
        </Title>
        <Table verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Column</Table.Th>
              <Table.Th>Meaning</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {COLUMNS.map(([c, m]) => (
              <Table.Tr key={c}>
                <Table.Td className="mono">{c}</Table.Td>
                <Table.Td>{m}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text fz="sm" mt="md" mb={4} fw={600}>
          Example
        </Text>
        <Code block tabIndex={0} aria-label="Example CSV file">{SAMPLE}</Code>
      </Card>
    </Page>
  );
}
