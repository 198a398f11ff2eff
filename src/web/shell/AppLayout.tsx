import { AppShell, Avatar, VisuallyHidden, Burger, Group, Menu, NavLink, ScrollArea, Select, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { api, call } from '../api';
import { useAnnounce } from '../components/Announcer';
import { ErrorAlert } from '../components/ErrorAlert';
import { ROLE_LABELS } from '../components/format';
import { Logo } from '../components/Logo';
import { isAdmin, useCurrentMe, useResetSession } from '../session';
import { LINES_OF_EFFORT } from './LinesOfEffort';
import { INTEL_NAV } from '../modules/intel/routes';
import { INCIDENT_NAV } from '../modules/incidents/routes';
import { DETECT_NAV, detectNav } from '../modules/detect/routes';
import { ALERT_NAV } from '../modules/alerts/routes';
import { ROOM_NAV } from '../modules/room/routes';

const DIRECTORY = [
  { to: '/directory/organisations', label: 'Organisations' },
  { to: '/directory/communities', label: 'Communities' },
  { to: '/directory/jurisdictions', label: 'Jurisdictions' },
];
const ADMIN = [
  { to: '/admin/people', label: 'People' },
  { to: '/admin/audit', label: 'Audit log' },
];

function initials(name: string) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]!.toUpperCase()).join('');
}

/** The signed-in frame: header (product, organisation switcher, person menu), navigation, main. */
export function AppLayout() {
  const me = useCurrentMe();
  const [opened, { toggle, close }] = useDisclosure();
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const reset = useResetSession();
  const announce = useAnnounce();
  const [switchError, setSwitchError] = useState<unknown>(null);

  const under = (to: string) => pathname === to || pathname.startsWith(to + '/');
  // The most specific entry wins: /infrastructure/intel/ingest marks "Upload" only, not its parents.
  const isActive = (to: string) => (under(to) && ![...INTEL_NAV, ...INCIDENT_NAV, ...DETECT_NAV, ...ALERT_NAV, ...ROOM_NAV].some((d) => d.to.length > to.length && d.to.startsWith(to + '/') && under(d.to))) || (to === '/directory/organisations' && (pathname === '/directory' || pathname === '/directory/import'));
  const link = (to: string, label: string, description?: string) => (
    <NavLink key={to} component={Link} to={to} label={label} description={description} active={isActive(to)} aria-current={isActive(to) ? 'page' : undefined} onClick={close} fw={500} />
  );

  const switchOrg = async (orgId: string | null) => {
    if (!orgId || orgId === me.currentOrgId) return;
    setSwitchError(null);
    try {
      await call(api.POST('/api/auth/switch-org', { body: { orgId } }));
      await reset();
      announce(`Now acting for ${me.memberships.find((m) => m.orgId === orgId)?.orgName ?? 'the selected organisation'}`);
    } catch (e) {
      setSwitchError(e);
    }
  };
  const signOut = async () => {
    await call(api.POST('/api/auth/logout')).catch(() => {});
    await reset();
    void navigate('/sign-in', { replace: true });
  };
  const current = me.memberships.find((m) => m.orgId === me.currentOrgId);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <AppShell header={{ height: 60 }} navbar={{ width: 256, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
        <AppShell.Header px="md" style={{ background: '#0f2748', borderBottom: 'none' }}>
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" color="white" aria-label={opened ? 'Close navigation' : 'Open navigation'} />
              <UnstyledButton component={Link} to="/" aria-label="Rampart home" style={{ display: 'flex', alignItems: 'center', gap: 10 }}>
                <span style={{ background: '#fff', borderRadius: 6, padding: 3, display: 'flex' }}>
                  <Logo size={26} />
                </span>
                <Text fw={750} fz={20} c="white" style={{ letterSpacing: '0.02em' }}>
                  Rampart
                </Text>
              </UnstyledButton>
            </Group>
            <Group gap="md" wrap="nowrap">
              {me.memberships.length > 1 ? (
                <Select
                  aria-label="Acting for organisation"
                  data={me.memberships.map((m) => ({ value: m.orgId, label: m.orgName }))}
                  value={me.currentOrgId}
                  onChange={(v) => void switchOrg(v)}
                  allowDeselect={false}
                  w={280}
                  visibleFrom="sm"
                  comboboxProps={{ withinPortal: true }}
                />
              ) : current ? (
                <Text c="white" fz="sm" visibleFrom="sm">
                  {current.orgName}
                </Text>
              ) : null}
              <Menu position="bottom-end" width={260} withinPortal>
                <Menu.Target>
                  <UnstyledButton style={{ display: 'flex', alignItems: 'center', gap: 8, color: '#fff' }}>
                    <VisuallyHidden>Account menu</VisuallyHidden>
                    <Avatar aria-hidden="true" color="rampart" variant="filled" radius="xl" size={34} style={{ border: '2px solid #fff' }}>
                      {initials(me.name)}
                    </Avatar>
                    <Text c="white" fz="sm" fw={600} visibleFrom="md">
                      {me.name}
                    </Text>
                  </UnstyledButton>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Label>
                    {me.email}
                    <br />
                    {current ? `${ROLE_LABELS[current.role]} · ${current.orgName}` : me.platformAdmin ? 'Platform admin' : ''}
                  </Menu.Label>
                  <Menu.Item component={Link} to="/account">
                    Account and security
                  </Menu.Item>
                  <Menu.Divider />
                  <Menu.Item onClick={() => void signOut()}>Sign out</Menu.Item>
                </Menu.Dropdown>
              </Menu>
            </Group>
          </Group>
        </AppShell.Header>

        <AppShell.Navbar aria-label="Main" p={0} style={{ background: '#fff' }}>
          <ScrollArea style={{ flex: 1 }} p="xs">
            {me.memberships.length > 1 ? (
              <Select
                hiddenFrom="sm"
                label="Acting for"
                data={me.memberships.map((m) => ({ value: m.orgId, label: m.orgName }))}
                value={me.currentOrgId}
                onChange={(v) => void switchOrg(v)}
                allowDeselect={false}
                mb="sm"
              />
            ) : null}
            {link('/', 'Overview')}
            <div className="nav-section-label" id="nav-loe">Lines of effort</div>
            <div role="group" aria-labelledby="nav-loe">
              {LINES_OF_EFFORT.map((l) =>
                l.path === 'infrastructure' ? (
                  <div key={l.path}>
                    {link(`/${l.path}`, l.title)}
                    <div style={{ paddingLeft: 14 }}>{INTEL_NAV.map((d) => link(d.to, d.label))}</div>
                    <div className="nav-subsection-label" id="nav-incidents">Incident response</div>
                    <div role="group" aria-labelledby="nav-incidents" style={{ paddingLeft: 14 }}>
                      {INCIDENT_NAV.map((d) => link(d.to, d.label))}
                    </div>
                    <div className="nav-subsection-label" id="nav-detect">Find shared indicators in your logs</div>
                    <div role="group" aria-labelledby="nav-detect" style={{ paddingLeft: 14 }}>
                      {detectNav(me.memberships.some((m) => m.orgId === me.currentOrgId && m.orgKind === 'national_hub')).map((d) => link(d.to, d.label))}
                    </div>
                  </div>
                ) : l.path === 'warning' ? (
                  <div key={l.path}>
                    {link(`/${l.path}`, l.title)}
                    <div style={{ paddingLeft: 14 }}>{[...ALERT_NAV, ...ROOM_NAV].map((d) => link(d.to, d.label))}</div>
                  </div>
                ) : (
                  link(`/${l.path}`, l.title)
                ),
              )}
            </div>
            <div className="nav-section-label" id="nav-dir">Directory</div>
            <div role="group" aria-labelledby="nav-dir">
              {DIRECTORY.map((d) => link(d.to, d.label))}
            </div>
            {isAdmin(me) ? (
              <>
                <div className="nav-section-label" id="nav-admin">Admin</div>
                <div role="group" aria-labelledby="nav-admin">
                  {ADMIN.map((d) => link(d.to, d.label))}
                </div>
              </>
            ) : null}
          </ScrollArea>
        </AppShell.Navbar>

        <AppShell.Main id="main" tabIndex={-1}>
          {switchError ? <ErrorAlert error={switchError} title="Could not switch organisation" /> : null}
          <Outlet />
        </AppShell.Main>
      </AppShell>
    </>
  );
}
