import { beforeAll, describe, expect, it } from 'vitest';
import { isDisposableDomain, isFreeProvider, isRoleAccount, loadMiscLists, miscChecks } from './misc.ts';

beforeAll(() => loadMiscLists());

describe('miscChecks', () => {
  it('a mailinator.com address is disposable', () => {
    expect(miscChecks('john', 'mailinator.com').is_disposable).toBe(true);
  });

  it('the disposable check ignores the case of the domain and a trailing dot', () => {
    expect(isDisposableDomain('MailInator.COM')).toBe(true);
    expect(isDisposableDomain('mailinator.com.')).toBe(true);
  });

  it('a subdomain of a wildcard-listed domain is disposable', () => {
    // anonaddy.com is only in wildcard.json: every alias subdomain is a throwaway.
    expect(isDisposableDomain('anonaddy.com')).toBe(true);
    expect(isDisposableDomain('alias.anonaddy.com')).toBe(true);
    expect(isDisposableDomain('deep.alias.anonaddy.com')).toBe(true);
  });

  it('a subdomain of an exactly listed domain is disposable too', () => {
    expect(isDisposableDomain('inbox.mailinator.com')).toBe(true);
  });

  it('a listed subdomain does not make its parent disposable', () => {
    expect(isDisposableDomain('0.mail.mujur.id')).toBe(true);
    expect(isDisposableDomain('mail.mujur.id')).toBe(false);
  });

  it('a gmail.com address is a free consumer mailbox and not disposable', () => {
    const misc = miscChecks('john.doe', 'gmail.com');
    expect(misc).toEqual({ is_disposable: false, is_role_account: false, is_b2c: true, gravatar_url: null });
  });

  it('a company domain is neither disposable nor a free provider', () => {
    expect(miscChecks('john', 'mycompany.example')).toMatchObject({ is_disposable: false, is_b2c: false });
  });

  it('a free-provider check is exact: a subdomain of gmail.com is not gmail.com', () => {
    expect(isFreeProvider('GMX.de')).toBe(true);
    expect(isFreeProvider('corp.gmail.com')).toBe(false);
  });

  it.each(['admin', 'info', 'postmaster', 'abuse', 'noreply', 'support', 'ADMIN', 'Info+newsletter', 'postmaster+x+y'])(
    '%s@ is a role account',
    (username) => {
      expect(miscChecks(username, 'mycompany.example').is_role_account).toBe(true);
    },
  );

  it.each(['john', 'john.doe', 'john+admin', 'administrator.john', ''])('%s@ is not a role account', (username) => {
    expect(isRoleAccount(username)).toBe(false);
  });

  it('gravatar_url is never filled: we do not fetch anything', () => {
    expect(miscChecks('admin', 'gmail.com').gravatar_url).toBeNull();
  });
});
