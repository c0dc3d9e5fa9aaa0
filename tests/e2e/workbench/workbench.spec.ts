// The administrators' mapping workbench in a real browser (issue 13), against two real hub nodes
// on one PostgreSQL and the real simulators: a broken mapping's error at its line, the golden
// cases passing once fixed, a dry-run, a replay of a draft over traffic made here with its field
// differences, a publication asked by one administrator and approved by another, every node
// serving the new version, and a rollback. One story, in order (serial): each step's screenshot is
// kept in <build>/e2e-screenshots/workbench-*.png.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { APIRequestContext, Page } from '@playwright/test';
import { resultsDir } from '../support/stack';
import { type Apis, expect, test } from './fixtures';

test.describe.configure({ mode: 'serial' });

const MAPPING = 'dgsn.identity';
const TITLE = 'transform: [collapse_spaces, title]';
const UPPER = 'transform: [collapse_spaces, upper]';

interface DraftBody {
  draft: string;
  yaml: string;
  cases: { name: string }[];
}

/** What both tests of the publication share (serial mode). */
const story: { baseVersion?: number; published?: number; rolledBack?: number } = {};

async function audit(page: Page, screen: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  writeFileSync(join(resultsDir, `axe-workbench-${screen}.json`), JSON.stringify(results.violations, null, 2));
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `${screen}: serious or critical axe-core violations`,
  ).toEqual([]);
}

/** A new draft of MAPPING made from the page (its history screen); its id and content. */
async function newDraft(page: Page, api: APIRequestContext): Promise<DraftBody> {
  await page.goto(`/admin/#/mapping/${MAPPING}`);
  await page.getByRole('button', { name: 'Nouveau brouillon depuis la dernière version' }).click();
  await expect(page).toHaveURL(/#\/brouillon\/.+/);
  const id = decodeURIComponent(page.url().split('#/brouillon/')[1]);
  await expect(page.locator('.cm-content')).toContainText(`mapping: ${MAPPING}`);
  const res = await api.get(`/admin/v1/drafts/${encodeURIComponent(id)}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as DraftBody;
}

/** Changes one word in the editor as a user does, with the keyboard: to the top, down to the line
 * that holds `line` (CodeMirror draws only the lines in view), onto `word`, which is selected and
 * typed over with `by`; then waits until the hub holds the text (the page saves as it is typed).
 * Returns the new text. */
async function editWord(page: Page, api: APIRequestContext, draft: string, before: string, line: string, word: string, by: string) {
  const lines = before.split('\n');
  const index = lines.findIndex((l) => l.includes(line));
  expect(index, `${line} in the draft`).toBeGreaterThanOrEqual(0);
  const text = lines[index];
  const at = text.indexOf(word, text.indexOf(line));
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < index; ++i) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  for (let i = 0; i < text.length - at - word.length; ++i) await page.keyboard.press('ArrowLeft');
  for (let i = 0; i < word.length; ++i) await page.keyboard.press('Shift+ArrowLeft');
  await page.keyboard.type(by);
  lines[index] = text.slice(0, at) + by + text.slice(at + word.length);
  const after = lines.join('\n');
  await expect
    .poll(async () => ((await (await api.get(`/admin/v1/drafts/${encodeURIComponent(draft)}`)).json()) as DraftBody).yaml)
    .toBe(after);
  await expect(page.locator('.save-state')).toHaveText('Enregistré');
  return after;
}

async function runAllCases(page: Page) {
  await page.getByRole('button', { name: 'Exécuter tous les cas' }).click();
  await expect(page.locator('.cases [role="status"]')).toBeVisible();
}

/** The first name a node gives for a CNIE asked afresh (no cache), as dgsn.identity maps it. */
async function served(api: APIRequestContext, cnie: string): Promise<string> {
  const res = await api.post('/v1/prefill/person?provenance=none', {
    data: { cnie, purpose: 'IMMATRICULATION' },
    headers: { 'Cache-Control': 'no-cache' },
  });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { record: { person: { first_name: string } } }).record.person.first_name;
}

/** The version of MAPPING a node serves now (GET /admin/v1/mappings, served_version). */
async function servedVersion(api: APIRequestContext): Promise<number> {
  const res = await api.get('/admin/v1/mappings');
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { mappings: { id: string; served_version?: number }[] };
  return body.mappings.find((m) => m.id === MAPPING)?.served_version ?? -1;
}

let fresh = 0;
/** A CNIE no test has asked for yet (the simulators make up a person for each). */
function nextCnie(): string {
  fresh += 1;
  return `BK7${String(fresh).padStart(5, '0')}`;
}

/** Waits until the mappings screen of `page` (one node's) says that node serves `version`. */
async function pageShowsServed(page: Page, version: number) {
  await page.goto('/admin/');
  await expect(async () => {
    await page.reload();
    await expect(page.locator(`tr[data-mapping="${MAPPING}"] td[data-served]`)).toHaveText(String(version), { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
}

/** Waits until every node says it serves `version` and maps first names as `shape` says (fresh
 * prefills on that node); returns how long each took after `since` (ms). */
async function everyNodeServes(apis: Apis, version: number, shape: 'upper' | 'title', since: number): Promise<number[]> {
  const times: number[] = [];
  for (const node of [0, 1]) {
    const agency = await apis.on(node, 'agency');
    const admin = await apis.on(node, 'admin');
    await expect
      .poll(
        async () => {
          const name = await served(agency, nextCnie());
          return { version: await servedVersion(admin), shape: name === name.toUpperCase() ? 'upper' : 'title' };
        },
        { timeout: 20_000, intervals: [100, 200, 250] },
      )
      .toEqual({ version, shape });
    times.push(Date.now() - since);
  }
  return times;
}

test('the page lists the published mappings, for an administrator presenting a client certificate', async ({ author, shot }) => {
  await author.goto('/admin/');
  await expect(author.getByRole('heading', { name: 'Mappings publiés' })).toBeVisible();
  const row = author.locator(`tr[data-mapping="${MAPPING}"]`);
  await expect(row).toBeVisible();
  story.baseVersion = Number(await row.locator('td').first().textContent());
  expect(story.baseVersion).toBeGreaterThan(0);
  await shot(author, 'workbench-01-mappings');
  await audit(author, 'mappings');
});

test('a broken mapping shows its error at its line; fixed, its golden cases pass and a dry-run maps a payload', async ({ author, apis, shot }) => {
  const api = await apis.on(0, 'admin');
  const draft = await newDraft(author, api);
  const original = draft.yaml;
  expect(original).toContain(TITLE);

  // An unknown transform: the hub's diagnostic is drawn at its line and column.
  const broken = await editWord(author, api, draft.draft, original, TITLE, 'title', 'titel');
  const line = broken.split('\n').findIndex((l) => l.includes('titel')) + 1;
  const diagnostic = author.locator('.diagnostic').first();
  await expect(diagnostic).toHaveAttribute('data-line', String(line));
  await expect(diagnostic).toContainText(`Ligne ${line}, colonne`);
  await expect(author.locator('.cm-lintRange-error').first()).toBeVisible();
  await expect(author.locator('.cm-lint-marker-error').first()).toBeVisible();
  await diagnostic.getByRole('button').click();
  await expect(author.locator('.cm-activeLine')).toContainText('titel');
  await expect(author.locator('.cm-activeLine .cm-lintRange-error')).toBeVisible();
  await shot(author, 'workbench-02-error-at-its-line');
  await audit(author, 'draft-error');

  // Fixed: no diagnostic, every golden case passes; one case run alone shows expected and actual.
  const fixed = await editWord(author, api, draft.draft, broken, 'transform: [collapse_spaces, titel]', 'titel', 'title');
  expect(fixed).toBe(original);
  await expect(author.getByTestId('diagnostics-list')).toHaveText('Aucune erreur : le mapping compile.');
  await runAllCases(author);
  const n = draft.cases.length;
  await expect(author.locator('.cases [role="status"]')).toHaveText(`${n} réussis, 0 échoué`);
  await expect(author.locator('[data-result="passed"]')).toHaveCount(n);
  const full = author.locator('[data-case="full"]');
  await full.getByRole('button', { name: 'Exécuter le cas full' }).click();
  await expect(full.getByTestId('expected')).toContainText('"first_name": "Fatima Zahra"');
  await expect(full.getByTestId('actual')).toContainText('"first_name": "Fatima Zahra"');
  await shot(author, 'workbench-03-cases-pass');

  // A dry-run on the input of a case.
  await author.getByLabel('Partir de l’entrée d’un cas').selectOption('full');
  await author.getByRole('button', { name: 'Essayer le brouillon' }).click();
  const result = author.getByTestId('dry-run-result');
  await expect(result).toHaveAttribute('data-ok', 'true');
  await expect(result).toContainText('EL AMRANI');
  await shot(author, 'workbench-04-dry-run');
});

test('a draft replayed over recent traffic shows its differences field by field; failing, it cannot be published', async ({ author, apis, shot }) => {
  // Traffic: the agency asks node 1 for people; node 1 keeps DGSN's answers in its replay sample.
  const agency = await apis.on(0, 'agency');
  let titled = 0;
  for (let i = 0; i < 6; ++i) {
    const name = await served(agency, nextCnie());
    if (name !== name.toUpperCase()) titled += 1;
  }
  expect(titled).toBeGreaterThan(0);

  const api = await apis.on(0, 'admin');
  const draft = await newDraft(author, api);
  await editWord(author, api, draft.draft, draft.yaml, TITLE, 'title', 'upper');
  await author.getByRole('button', { name: 'Rejouer les réponses récentes' }).click();
  const replay = author.getByTestId('replay-result');
  await expect(replay).toBeVisible();
  const rows = replay.locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-field', /first_name/);
  await expect(rows.first().locator('td').first()).toHaveText(String(titled));
  await shot(author, 'workbench-05-replay');
  await audit(author, 'draft-replay');

  // The golden cases that name a first name now fail, each showing expected against actual.
  await runAllCases(author);
  const full = author.locator('[data-case="full"]');
  await expect(full).toHaveAttribute('data-result', 'failed');
  await expect(full.getByTestId('expected')).toContainText('Fatima Zahra');
  await expect(full.getByTestId('actual')).toContainText('FATIMA ZAHRA');
  await full.scrollIntoViewIfNeeded();
  await shot(author, 'workbench-06-cases-fail');

  // Failing, it cannot be asked for publication.
  await author.getByLabel('Motif du changement').fill('Prénoms en majuscules, comme au registre');
  await author.getByRole('button', { name: 'Demander la publication' }).click();
  await expect(author.locator('.error-box[data-code="draft_failing"]')).toBeVisible();
  await shot(author, 'workbench-07-publish-refused');

  // The change is meant: each failing case adopts its actual output; then all pass, and the
  // publication is asked.
  const failed = author.locator('[data-result="failed"]');
  for (let guard = 0; (await failed.count()) > 0 && guard < 100; ++guard) {
    const c = failed.first();
    const name = await c.getAttribute('data-case');
    await c.getByRole('button', { name: 'Adopter le résultat obtenu comme attendu' }).click();
    await expect(author.locator(`[data-case="${name}"]`)).toHaveAttribute('data-result', 'passed');
  }
  await runAllCases(author);
  await expect(author.locator('[data-result="failed"]')).toHaveCount(0);
  await author.getByRole('button', { name: 'Demander la publication' }).click();
  await expect(author.getByTestId('draft-state')).toHaveText('en attente d’approbation');
  await shot(author, 'workbench-08-awaiting-approval');
});

test('the author cannot approve; another administrator approves, and every node serves the new version', async ({ author, approver, secondNode, apis, shot }) => {
  await author.goto('/admin/#/approbations');
  const own = author.locator('article.request').first();
  await expect(own).toContainText('hub-admin');
  await own.getByRole('button', { name: 'Approuver et publier' }).click();
  await expect(own.locator('.error-box[data-code="self_approval"]')).toBeVisible();
  await shot(author, 'workbench-09-self-approval-refused');

  await approver.goto('/admin/#/approbations');
  const request = approver.locator('article.request').first();
  await request.getByRole('button', { name: 'Voir les changements' }).click();
  await expect(request.getByTestId('diff')).toContainText(`-    ${TITLE}`);
  await expect(request.getByTestId('diff')).toContainText(`+    ${UPPER}`);
  await shot(approver, 'workbench-10-approval-diff');
  await request.getByRole('button', { name: 'Approuver et publier' }).click();
  const done = approver.getByRole('status').filter({ hasText: 'publiée' });
  await expect(done).toBeVisible();
  const approvedAt = Date.now();
  story.published = Number(/Version (\d+)/.exec((await done.textContent()) ?? '')?.[1]);
  expect(story.published).toBeGreaterThan(story.baseVersion ?? 0);
  await shot(approver, 'workbench-11-approved');

  const times = await everyNodeServes(apis, story.published, 'upper', approvedAt);
  writeFileSync(join(resultsDir, 'workbench-publication.json'), JSON.stringify({ version: story.published, served_after_ms: times }));
  for (const page of [approver, secondNode]) await pageShowsServed(page, story.published);
  await shot(secondNode, 'workbench-12-second-node-serves');

  await approver.goto(`/admin/#/mapping/${MAPPING}`);
  const top = approver.locator('table.versions tbody tr').first();
  await expect(top).toHaveAttribute('data-version', String(story.published));
  await expect(top).toContainText('hub-admin');
  await expect(top).toContainText('admin2');
  await shot(approver, 'workbench-13-history');
});

test('a rollback to the earlier version is served by every node, and the diff shows it', async ({ approver, secondNode, apis, shot }) => {
  const base = story.baseVersion!;
  await approver.goto(`/admin/#/mapping/${MAPPING}`);
  await approver.getByRole('button', { name: `Revenir à la version ${base}` }).click();
  await approver.getByLabel(`Motif du retour à la version ${base}`).fill('Le registre garde les prénoms tels que la DGSN les écrit');
  await approver.getByRole('button', { name: 'Confirmer le retour' }).click();
  const done = approver.getByRole('status').filter({ hasText: `le contenu de la version ${base}` });
  await expect(done).toBeVisible();
  const rolledBackAt = Date.now();
  story.rolledBack = Number(/Version (\d+)/.exec((await done.textContent()) ?? '')?.[1]);
  const top = approver.locator('table.versions tbody tr').first();
  await expect(top).toHaveAttribute('data-version', String(story.rolledBack));
  await expect(top).toHaveAttribute('data-kind', 'rollback');

  await approver.getByLabel('De la version', { exact: true }).selectOption(String(story.published));
  await approver.getByLabel('à la version', { exact: true }).selectOption(String(story.rolledBack));
  await approver.getByRole('button', { name: 'Comparer' }).click();
  await expect(approver.getByTestId('diff')).toContainText(`-    ${UPPER}`);
  await expect(approver.getByTestId('diff')).toContainText(`+    ${TITLE}`);
  await shot(approver, 'workbench-14-rolled-back');
  await audit(approver, 'history');

  await everyNodeServes(apis, story.rolledBack, 'title', rolledBackAt);
  await pageShowsServed(secondNode, story.rolledBack);
  await shot(secondNode, 'workbench-15-second-node-rolled-back');
});

test('a code table is listed beside the mappings; an edit of it that breaks a mapping’s golden case is refused, naming the case', async ({ author, apis, shot }) => {
  const TABLE = 'table.dgsn_card_status';
  await author.goto('/admin/');
  await expect(author.getByRole('heading', { name: 'Tables de codes publiées' })).toBeVisible();
  await author.locator(`tr[data-mapping="${TABLE}"] a`).click();
  await author.getByRole('button', { name: 'Nouveau brouillon depuis la dernière version' }).click();
  await expect(author).toHaveURL(/#\/brouillon\/.+/);
  const id = decodeURIComponent(author.url().split('#/brouillon/')[1]);
  await expect(author.getByRole('heading', { name: /Brouillon de la table de codes/ })).toBeVisible();
  await expect(author.locator('.cm-content')).toContainText('VALIDE: valid');
  const api = await apis.on(0, 'admin');
  const before = ((await (await api.get(`/admin/v1/drafts/${encodeURIComponent(id)}`)).json()) as DraftBody).yaml;
  // dgsn.identity's case unknown_card_state expects SUSPENDUE to be no code of the table.
  await author.locator('.cm-content').click();
  await author.keyboard.press('Control+End');
  await author.keyboard.type('  SUSPENDUE: cancelled');
  await expect
    .poll(async () => ((await (await api.get(`/admin/v1/drafts/${encodeURIComponent(id)}`)).json()) as DraftBody).yaml)
    .toBe(`${before}  SUSPENDUE: cancelled`);
  await expect(author.locator('.save-state')).toHaveText('Enregistré');
  // The failing case is listed under the editor, not drawn in the table's text (it is another file).
  await expect(author.getByTestId('diagnostics-list')).toContainText('case_failed');
  await expect(author.locator('.cm-lint-marker-error')).toHaveCount(0);
  await author.getByLabel('Motif du changement').fill('La carte suspendue vaut annulée');
  await author.getByRole('button', { name: 'Demander la publication' }).click();
  await expect(author.locator('.error-box[data-code="draft_failing"]')).toBeVisible();
  await expect(author.locator('.failed-cases')).toContainText('identity.unknown_card_state.xml');
  await expect(author.locator('.failed-cases')).toContainText('dgsn.identity');
  await shot(author, 'workbench-16-table-edit-refused');
  await audit(author, 'table-draft');
});
