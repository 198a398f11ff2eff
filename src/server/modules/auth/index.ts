import type { Core, RampartModule } from '../../core/module.ts';
import type { ActorResolver } from '../../core/http/http.ts';
import type { DirectoryService } from '../directory/index.ts';
import { createAuthRepo } from './auth.repo.ts';
import { createAuthResolver } from './auth.resolver.ts';
import { createAuthService, type AuthService } from './auth.service.ts';
import { authRoutes } from './auth.routes.ts';

export { SESSION_COOKIE, tokenFromHeader } from './auth.resolver.ts';
export { TOKEN_SCOPES, hashPassword, type AuthService } from './auth.service.ts';
export { createAuthMembers, type AuthMembers, type OrgMember } from './auth.members.repo.ts';
export { activeMembershipsSql, activePeopleSql } from './auth.people.repo.ts';

/** Sign-in (argon2id, TOTP MFA), sessions, API tokens, invitations and password resets. */
export function createAuthModule(core: Core, directory: DirectoryService): RampartModule & { service: AuthService; resolver: ActorResolver } {
  const repo = createAuthRepo(core.database);
  const service = createAuthService({ db: core.database.db, repo, config: core.config, clock: core.clock, mail: core.mail });
  return {
    name: 'auth',
    service,
    resolver: createAuthResolver(repo, core.clock),
    routes: authRoutes(service, directory, core.config),
  };
}
