// The family screen: members with their coverage computed today and why; a dated proof of studies
// that brings a child aged 21 to 25 back under cover, and a child in kafala declared.
import { expect, test } from '../support/fixtures';
import { ageOn, findPerson, isoDay, registerViaApi } from './helpers';

function french(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

test('a student proof added to a family changes a child’s coverage; a child in kafala is declared', async ({ agency: page, api, shot }) => {
  const today = isoDay();
  // A family whose booklet has a living child aged 21 to 25 today, at least a month from 26.
  const { cnie, booklet } = await findPerson(api, 'BK91', (b) =>
    (b.children ?? []).some((c) => c.birth_date?.length === 10 && !c.death_date && ageOn(c.birth_date, today) >= 21 && ageOn(c.birth_date, isoDay(40)) < 26),
  );
  const student = booklet.children!.find(
    (c) => c.birth_date?.length === 10 && !c.death_date && ageOn(c.birth_date, today) >= 21 && ageOn(c.birth_date, isoDay(40)) < 26,
  )!;
  const number = await registerViaApi(api, cnie);

  await page.goto(`/agency/#/famille/${number}`);
  const row = page.locator('tr[data-member]', { hasText: french(student.birth_date!) }).filter({ hasText: student.first_name! });
  await expect(row).toContainText('Non couvert : 21 ans ou plus sans justificatif de scolarité');
  await expect(row.locator('.badge')).toHaveAttribute('data-source', 'dgct');
  await expect(page.locator('tr[data-member^="s"]').first()).toContainText(/Couvert|Non couvert/);
  await shot(page, 'family-01-coverage');

  // A certificate of studies valid for six months: covered until it ends, or the day before 26.
  const validUntil = isoDay(180);
  const [y, m, d] = student.birth_date!.split('-').map(Number);
  const lastDayBefore26 = new Date(Date.UTC(y + 26, m - 1, d) - 86_400_000).toISOString().slice(0, 10);
  const until = validUntil < lastDayBefore26 ? validUntil : lastDayBefore26;
  await row.getByRole('button', { name: /Justificatif/ }).click();
  await page.getByLabel('Justificatif', { exact: true }).selectOption('studies');
  await page.getByLabel('Date du justificatif').fill(isoDay(-10));
  await page.getByLabel('Valable jusqu’au').fill(validUntil);
  await page.getByLabel('Établissement').fill('Université Hassan II de Casablanca');
  await page.getByLabel('Motif').first().fill('Attestation de scolarité 2026-2027');
  await shot(page, 'family-02-student-proof-form');
  await page.getByRole('button', { name: 'Enregistrer le justificatif' }).click();
  await expect(row).toContainText(`Couvert jusqu’au ${french(until)} (étudiant(e) de moins de 26 ans avec un justificatif valide)`);
  await expect(page.getByRole('status')).toContainText(`Couverture changée pour ${student.first_name} (désormais couvert(e))`);
  await expect(row).toContainText('scolarité jusqu’au');
  await shot(page, 'family-03-student-covered');

  // A child in kafala, which no booklet holds: declared with the kafala order.
  await page.getByText('Déclarer un enfant que le livret ne mentionne pas').click();
  await page.getByLabel('Lien').selectOption('kafala');
  await page.getByLabel('Nom', { exact: true }).fill('EL IDRISSI');
  await page.getByLabel('Prénom', { exact: true }).fill('Yasmine');
  await page.getByLabel('Date de naissance').fill('2020-05-10');
  await page.getByLabel('N° de l’acte de naissance').fill('1207/2020');
  await page.getByLabel('Date de l’acte de naissance').fill('2020-05-14');
  await page.getByLabel('Commune de l’acte de naissance').fill('Salé');
  await page.getByLabel('N° de l’ordonnance de kafala').fill('118/2024');
  await page.getByLabel('Date de la décision').fill('2024-03-01');
  await page.getByLabel('Tribunal').fill('Tribunal de première instance de Rabat');
  await page.getByRole('button', { name: 'Déclarer l’enfant' }).click();
  const kafala = page.locator('tr[data-member]', { hasText: 'Yasmine' });
  await expect(kafala).toContainText('Enfant en kafala');
  await expect(kafala).toContainText('Couvert jusqu’au 09/05/2041 (enfant de moins de 21 ans)');
  await expect(kafala).toContainText('acte n° 118/2024');
  await expect(page.getByRole('status')).toContainText('Enfant déclaré');
  await expect(kafala.locator('.badge')).toHaveAttribute('data-source', 'client');
  await shot(page, 'family-04-kafala');

  const family = await (await api.get(`/v1/insured/${number}/family`)).json();
  const members = Object.values(family.members) as { relation: string; first_name: string; coverage: { covered: boolean } }[];
  expect(members.find((x) => x.first_name === student.first_name && x.relation === 'child')?.coverage.covered).toBe(true);
  expect(members.find((x) => x.relation === 'kafala')?.coverage.covered).toBe(true);
});
