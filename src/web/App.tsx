import { Route, Routes } from 'react-router';
import { RequireAuth } from './session';
import { AppLayout } from './shell/AppLayout';
import { Overview } from './shell/Overview';
import { LINES_OF_EFFORT, LineOfEffortPage } from './shell/LinesOfEffort';
import { NotFound } from './shell/NotFound';
import { SignInPage } from './modules/auth/SignInPage';
import { AcceptInvitePage } from './modules/auth/AcceptInvitePage';
import { ForgotPasswordPage, ResetPasswordPage } from './modules/auth/PasswordPages';
import { PeoplePage } from './modules/auth/PeoplePage';
import { OrgListPage } from './modules/directory/OrgListPage';
import { OrgDetailPage } from './modules/directory/OrgDetailPage';
import { OrgFormPage } from './modules/directory/OrgFormPage';
import { ImportPage } from './modules/directory/ImportPage';
import { CommunitiesPage } from './modules/directory/CommunitiesPage';
import { JurisdictionsPage } from './modules/directory/JurisdictionsPage';
import { AccountPage } from './modules/account/AccountPage';
import { AuditPage } from './modules/audit/AuditPage';
import { intelRoutes } from './modules/intel/routes';
import { incidentRoutes } from './modules/incidents/routes';
import { detectRoutes } from './modules/detect/routes';
import { alertRoutes } from './modules/alerts/routes';
import { WarningPage } from './modules/alerts/WarningPage';
import { roomRoutes } from './modules/room/routes';
import { pictureRoutes } from './modules/picture/routes';

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route path="/accept-invite" element={<AcceptInvitePage />} />
      <Route path="/forgot-password" element={<ForgotPasswordPage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route index element={<Overview />} />
        {LINES_OF_EFFORT.map((l) => (
          <Route key={l.path} path={l.path} element={l.path === 'warning' ? <WarningPage /> : <LineOfEffortPage line={l} />} />
        ))}
        <Route path="directory" element={<OrgListPage />} />
        <Route path="directory/organisations" element={<OrgListPage />} />
        <Route path="directory/organisations/new" element={<OrgFormPage />} />
        <Route path="directory/organisations/:id" element={<OrgDetailPage />} />
        <Route path="directory/organisations/:id/edit" element={<OrgFormPage />} />
        <Route path="directory/import" element={<ImportPage />} />
        <Route path="directory/communities" element={<CommunitiesPage />} />
        <Route path="directory/jurisdictions" element={<JurisdictionsPage />} />
        {intelRoutes()}
        {incidentRoutes()}
        {detectRoutes()}
        {alertRoutes()}
        {roomRoutes()}
        {pictureRoutes()}
        <Route path="account" element={<AccountPage />} />
        <Route path="admin/people" element={<PeoplePage />} />
        <Route path="admin/audit" element={<AuditPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
