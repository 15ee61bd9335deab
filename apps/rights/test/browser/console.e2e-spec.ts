import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { useStack } from '../support/stack';
import { ARTIFACTS_DIR, launchChromium, requireChromium } from './browser-harness';

// The web console token-gen serves at /console/ (apps/console), driven in Debian's Chromium as a person would:
// an operator creates an account, sets its credits and switches and rotates its authenticator; tokens and a Clear
// Key license are then had over HTTP from the real token-gen and rights (real PostgreSQL), and the console shows
// them: usage charts drawn from that usage, the records of a cookie and a token id, and for the customer their
// key store and records. Screenshots go to .artifacts/browser/console-*.png.
const ADMIN_API_KEY = 'console-browser-test-key-0123456789';
const KID = '0b1c2d3e4f5061728394a5b6c7d8e9f0';
const KEY = '00112233445566778899aabbccddeeff';
const KEK = '000102030405060708090a0b0c0d0e0f';
const COOKIE = 'console-cookie-1';
const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');

describe('the web console in Chromium (token-gen /console/, rights, Postgres, loopback)', () => {
  const stack = useStack(() => ({}), { tokenGenEnv: { ADMIN_API_KEY } });
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const nonLoopbackRequests: string[] = [];
  const observations: Record<string, unknown> = {};
  let account: number;
  let authenticator: string;

  const admin = (method: string, url: string) =>
    fetch(`${stack.tokenGenUrl}/admin${url}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_API_KEY}` },
    }).then((r) => r.json());
  const token = (drm: 'wv' | 'ck', auth: string, extra = '') =>
    fetch(
      `${stack.tokenGenUrl}/hms/${drm}/token?customerAuthenticator=${encodeURIComponent(auth)}&errorFormat=json` +
        `&kid=${KID}&contentKey=${KEY}&cookie=${COOKIE}${drm === 'wv' ? '&securityLevel=1&hdcpOutputControl=0' : ''}${extra}`,
    );
  const codeOf = async (response: Promise<Response>) => ((await (await response).json()) as { code: number }).code;
  const shot = async (name: string) => {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({
      path: path.join(ARTIFACTS_DIR, `console-${name}.png`),
      fullPage: true,
    });
  };
  const tab = (name: string) => page.locator('nav button', { hasText: name }).click();
  const signIn = async (secret: string) => {
    await page.locator('input[name=secret]').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  /** Waits for a chart with data (the CSP forbids waitForFunction's string evaluation: a locator instead). */
  const drawn = (testid: string) =>
    page.locator(`[data-testid=${testid}][data-points]:not([data-points="0"])`).waitFor({ timeout: 10_000 });
  /** The figures a chart exposes beside its canvas: buckets with data and each series' total. */
  const chart = async (testid: string) => {
    const section = page.getByTestId(testid);
    await section.locator('canvas').waitFor();
    return {
      points: Number(await section.getAttribute('data-points')),
      totals: JSON.parse((await section.getAttribute('data-totals')) ?? '{}') as Record<string, number>,
      canvases: await section.locator('canvas').count(),
    };
  };

  beforeAll(async () => {
    requireChromium();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      // A refused call (the wrong key below) shows as "Failed to load resource"; anything else is a fault, CSP
      // violations included.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        consoleErrors.push(message.text());
      }
    });
    page.on('request', (request) => {
      if (!request.url().startsWith('data:') && new URL(request.url()).hostname !== '127.0.0.1') {
        nonLoopbackRequests.push(request.url());
      }
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    writeFileSync(path.join(ARTIFACTS_DIR, 'console.json'), `${JSON.stringify(observations, null, 2)}\n`);
  });

  it('serves the bundled app at /console/ under a CSP that allows only its own origin', async () => {
    const response = await page.goto(`${stack.tokenGenUrl}/console/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    await page.locator('input[name=secret]').waitFor();
    await shot('login');
  });

  it('refuses a wrong key and signs the operator in with the admin key', async () => {
    await signIn('not-the-admin-key-0000');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Not accepted: .*401/);
    await signIn(ADMIN_API_KEY);
    await expect(page.getByTestId('who').textContent()).resolves.toBe('operator');
    // Only this tab's sessionStorage keeps it.
    expect(await page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([1, 0, '']);
  });

  it('creates an account, sets credits and a switch, rotates the authenticator', async () => {
    await tab('Accounts');
    await page.locator('input[name=name]').fill('Console Browser Co');
    await page.locator('input[name=credits]').fill('100');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('secrets').locator('code').nth(1).waitFor();
    const secrets = await page.getByTestId('secrets').locator('code').allTextContents();
    expect(secrets).toEqual([expect.stringMatching(/^\d+,[0-9a-f]{32}$/), expect.stringMatching(/^\d+,[0-9a-f]{32}$/)]);
    account = Number(secrets[0].split(',')[0]);
    await expect(page.getByTestId('account-detail').locator('h3').textContent()).resolves.toBe(
      `Account ${account} — Console Browser Co`,
    );

    await page.locator('input[name=new-credits]').fill('500');
    await page.getByRole('button', { name: 'Set credits' }).click();
    await page.getByTestId('accounts').locator('tr', { hasText: 'Console Browser Co' }).getByText('500').waitFor();
    await page.getByLabel('FairPlay enabled').uncheck();
    await page.waitForResponse((r) => r.url().endsWith(`/admin/accounts/${account}`) && r.request().method() === 'GET');
    expect(await admin('GET', `/accounts/${account}`)).toMatchObject({
      credits: 500,
      fairplayEnabled: false,
    });

    // Account-wide limits (docs/api.md §13.1): set, a refusal shown as the API words it, then cleared.
    const setLimits = async () => {
      const answered = page.waitForResponse((r) => r.url().endsWith(`/admin/accounts/${account}/limits`));
      await page.getByRole('button', { name: 'Set limits' }).click();
      return (await answered).status();
    };
    await page.locator('input[name=max-streams]').fill('3');
    await page.locator('select[name=stream-limit-mode]').selectOption('stopOldest');
    await page.locator('input[name=max-devices]').fill('2');
    expect(await setLimits()).toBe(200);
    expect(await admin('GET', `/accounts/${account}`)).toMatchObject({
      maxStreams: 3,
      streamLimitMode: 'stopOldest',
      maxDevices: 2,
      deviceWindow: 2592000,
    });
    await page.locator('input[name=max-streams]').fill('lots');
    expect(await setLimits()).toBe(400);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/maxStreams must be a whole number/);
    await page.locator('input[name=max-streams]').fill('');
    await page.locator('input[name=max-devices]').fill('');
    expect(await setLimits()).toBe(200);
    expect(await admin('GET', `/accounts/${account}`)).toMatchObject({ maxStreams: null, maxDevices: null });

    await page.locator('select[name=environment]').selectOption('test');
    await page.locator('input[name=label]').fill('rotation-2');
    await page.getByRole('button', { name: 'Add authenticator' }).click();
    await page.getByTestId('authenticators').getByText('rotation-2').waitFor();
    await page.getByTestId('secrets').locator('code').nth(1).waitFor({ state: 'detached' });
    [authenticator] = await page.getByTestId('secrets').locator('code').allTextContents();
    expect(authenticator).toMatch(new RegExp(`^${account},[0-9a-f]{32}$`));
    expect(authenticator).not.toBe(secrets[0]);
    const old = page.getByTestId('authenticators').locator('tbody tr').filter({ hasText: 'test' }).first();
    await expect(old.textContent()).resolves.not.toContain('rotation-2');
    await old.getByRole('button', { name: 'Revoke' }).click();
    await page
      .getByTestId('authenticators')
      .locator('tbody tr')
      .first()
      .getByRole('button')
      .waitFor({ state: 'detached' });
    await shot('account');

    expect(await codeOf(token('wv', secrets[0]))).toBe(-2018);
    expect((await token('wv', authenticator)).status).toBe(200);
  });

  it('gets tokens, a refusal and a Clear Key license over HTTP with the new authenticator', async () => {
    // Over HTTP, as a back end and a player would: one more Widevine token (two with the one above), a refused
    // Widevine request (-7004), a Clear Key token redeemed for a license at rights (one credit).
    expect((await token('wv', authenticator)).status).toBe(200);
    expect(await codeOf(token('wv', authenticator, '&securityLevel=9'))).toBe(-7004);
    const rightsUrl = await (await token('ck', authenticator)).text();
    const license = await fetch(rightsUrl, {
      method: 'POST',
      body: JSON.stringify({ kids: [b64url(KID)], type: 'temporary' }),
    });
    expect(license.status).toBe(200);
  });

  it('draws the usage the test made: tokens, the license, the refusal, the burn rate', async () => {
    await tab('Usage');
    await page.locator('input[name=account]').fill(String(account));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await drawn('chart-activity');
    const activity = await chart('chart-activity');
    observations.activity = activity;
    expect(activity.canvases).toBeGreaterThan(0);
    expect(activity.totals).toMatchObject({ tokens: 3, licenses: 1 });
    expect(activity.totals.refusals).toBeGreaterThanOrEqual(1);
    const refusals = await chart('chart-refusals');
    observations.refusals = refusals;
    expect(refusals.totals['-7004']).toBe(1);
    observations.devices = await chart('chart-devices');
    await expect(page.getByTestId('balance').textContent()).resolves.toBe('499');
    await expect(page.getByTestId('licenses').textContent()).resolves.toBe('1');
    observations.exhaustion = await page.getByTestId('exhaustion').textContent();
    await shot('usage-operator');
  });

  it("finds a cookie's records and a token id's", async () => {
    await tab('Records');
    await page.locator('select[name=by]').selectOption('cookie');
    await page.locator('input[name=value]').fill(COOKIE);
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByTestId('records').locator('tbody tr');
    await rows.first().waitFor();
    const texts = await rows.allTextContents();
    observations.cookieRecords = texts;
    // Its three issued tokens and the license (refusals before the parameter checks carry no cookie).
    expect(texts.filter((t) => t.includes('issuance'))).toHaveLength(3);
    expect(texts.filter((t) => t.includes('redemption'))).toHaveLength(1);
    for (const text of texts) expect(text).toContain(COOKIE);
    await shot('records-cookie');

    const tokenId = (await rows.filter({ hasText: 'redemption' }).first().locator('td.mono').first().textContent())!;
    expect(tokenId).toMatch(/^[0-9a-f]{32}$/);
    await page.locator('select[name=by]').selectOption('tokenId');
    await page.locator('input[name=value]').fill(tokenId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('record-count').filter({ hasText: '2 records' }).waitFor();
    const byToken = await rows.allTextContents();
    expect(byToken.map((t) => /issuance|redemption/.exec(t)?.[0]).sort()).toEqual(['issuance', 'redemption']);
  });

  it('signs the customer in: their usage, records and key store', async () => {
    for (const kid of ['^console-a', '^console-b']) {
      const stored = await fetch(
        `${stack.tokenGenUrl}/keystore/keys?customerAuthenticator=${encodeURIComponent(authenticator)}&kek=${KEK}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kid, info: kid }),
        },
      );
      expect(stored.status).toBe(201);
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await signIn(authenticator);
    await expect(page.getByTestId('who').textContent()).resolves.toBe(`account ${account}`);
    expect(await page.locator('nav button').allTextContents()).toEqual(['Usage', 'Records', 'Key store']);

    await drawn('chart-activity');
    expect((await chart('chart-activity')).totals).toMatchObject({
      tokens: 3,
      licenses: 1,
    });
    await shot('usage-customer');

    await tab('Key store');
    await page.getByTestId('key-count').filter({ hasText: '2 keys stored' }).waitFor();
    const keys = await page.getByTestId('keys').locator('tbody tr').allTextContents();
    // In kid order: a ^name's kid is derived from the name, so either may come first.
    expect(keys.map((k) => /\^console-[ab]/.exec(k)?.[0]).sort()).toEqual(['^console-a', '^console-b']);
    await shot('keystore');

    await tab('Records');
    await page.locator('select[name=by]').selectOption('latest');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('records').locator('tbody tr').first().waitFor();
    expect(await page.getByTestId('records').locator('tbody tr').count()).toBeGreaterThanOrEqual(5);
    await shot('records-customer');
  });

  it('stayed clean: no script error, no CSP violation, nothing beyond loopback', () => {
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(nonLoopbackRequests).toEqual([]);
  });
});
