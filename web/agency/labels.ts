// What the agent reads: French labels for the API's codes and the registry's words. Arabic data is
// shown as it came (lang="ar", dir="rtl"); a text the hub gives that is not listed here is shown
// as it is, marked lang="en".

export const CATEGORIES: Record<string, string> = {
  SALARIE: 'Salarié',
  TNS: 'Travailleur non salarié (TNS)',
  AMO_TADAMON: 'AMO Tadamon',
  AMO_ACHAMIL: 'AMO Achamil',
};

export const PARTNERS: Record<string, string> = {
  dgsn: 'DGSN',
  dgct: 'DGCT',
  ompic: 'OMPIC',
  dgi: 'DGI',
  anrc: 'ANRC',
};

export const PARTNER_ROLES: Record<string, string> = {
  dgsn: 'identité (CNIE)',
  dgct: 'état civil (livret de famille)',
  ompic: 'registre du commerce',
  dgi: 'impôts',
  anrc: 'registre social unifié',
};

export const PARTNER_STATUS: Record<string, string> = {
  ok: 'a répondu',
  cached: 'servi depuis le cache',
  stale: 'périmé (administration en échec)',
  error: 'en échec',
  skipped: 'non interrogé',
};

export const ERRORS: Record<string, string> = {
  invalid_input: 'Saisie invalide',
  unknown_person: 'Personne inconnue de la DGSN',
  deceased: 'Personne décédée',
  not_self_employed: "La DGI ne connaît pas cette personne comme travailleur indépendant actif",
  unknown_company: "Entreprise inconnue de l'OMPIC",
  company_struck_off: 'Entreprise radiée du registre du commerce',
  taxpayer_ceased: 'Contribuable en cessation ou radié (DGI)',
  partner_unavailable: 'Administration indisponible',
  contradicts_source: "Cette valeur contredit celle d'une administration",
  already_registered: 'Déjà immatriculé(e)',
  duplicate_member: 'Déjà membre de la famille',
  invalid_transition: 'Changement de statut impossible',
  concurrent_update: 'Le dossier a changé entre-temps : recommencer',
  stale_etag: 'Le dossier a changé depuis sa lecture : recharger',
  idempotency_key_reused: 'Clé d’idempotence déjà utilisée pour une autre demande',
  not_found: 'Introuvable',
  no_route: 'Introuvable',
  forbidden: 'Droit insuffisant',
  forbidden_purpose: 'Motif non autorisé pour cette administration',
  unknown_principal: 'Certificat inconnu du hub',
  timeout: 'Délai dépassé',
  malformed_response: 'Réponse illisible',
  rate_limited: 'Quota de requêtes dépassé',
  tls_failure: 'Échec de la connexion sécurisée',
  internal: 'Erreur interne du hub',
  network: 'Pas de réponse du hub (réseau)',
};

export const FIELDS: Record<string, string> = {
  cnie: 'CNIE',
  last_name: 'Nom',
  first_name: 'Prénom',
  last_name_ar: 'Nom (arabe)',
  first_name_ar: 'Prénom (arabe)',
  birth_date: 'Date de naissance',
  birth_place: 'Lieu de naissance',
  sex: 'Sexe',
  father_name: 'Père',
  mother_name: 'Mère',
  address: 'Adresse',
  death_date: 'Date de décès',
  name: 'Raison sociale',
};

export const SEX: Record<string, string> = { M: 'Masculin', F: 'Féminin' };

export const CARD_STATUS: Record<string, string> = {
  valid: 'valide',
  expired: 'expirée',
  lost: 'perdue',
  stolen: 'volée',
  cancelled: 'annulée',
};

export const RELATIONS: Record<string, string> = {
  spouse: 'Conjoint(e)',
  child: 'Enfant',
  kafala: 'Enfant en kafala',
  guardianship: 'Enfant sous tutelle',
};

export const MARITAL: Record<string, string> = {
  married: 'marié(e)',
  divorced: 'divorcé(e)',
  widowed: 'veuf/veuve',
};

export const COMPANY_STATUS: Record<string, string> = {
  active: 'active',
  in_liquidation: 'en liquidation',
  struck_off: 'radiée',
};

export const TAX_STATUS: Record<string, string> = {
  active: 'active',
  ceasing: 'en cessation',
  ceased: 'cessée',
  struck_off: 'radiée',
};

export const ROLES: Record<string, string> = {
  manager: 'Gérant',
  ceo: 'Directeur général',
  director: 'Administrateur',
  general_manager: 'Directeur général délégué',
  president: 'Président',
  operator: 'Exploitant',
  agent: 'Mandataire',
};

export const TRIBUNALS = [
  'CASABLANCA', 'RABAT', 'TANGER', 'FES', 'MARRAKECH', 'AGADIR', 'OUJDA', 'MEKNES', 'KENITRA',
  'TETOUAN', 'SAFI', 'NADOR', 'SETTAT', 'KHOURIBGA', 'TAZA', 'LAAYOUNE',
];

export const STATUS: Record<string, string> = {
  ACTIVE: 'active',
  SUSPENDED: 'suspendue',
  CLOSED: 'clôturée',
};

export const EVENTS: Record<string, string> = {
  'person.identified': 'Identité enregistrée',
  'person.updated': 'Identité mise à jour',
  'person.refreshed': 'Identité actualisée',
  'person.corrected': 'Identité corrigée',
  'person.death_reported': 'Décès signalé',
  'family.birth_recorded': 'Naissance enregistrée',
  'family.marriage_recorded': 'Mariage enregistré',
  'family.divorce_recorded': 'Divorce enregistré',
  'insured.registered': 'Immatriculation',
  'insured.status_changed': 'Changement de statut',
  'rib.changed': 'Changement de RIB',
  'contact.changed': 'Changement de coordonnées',
  'card.requested': 'Demande de carte',
  'family.prefilled': 'Famille préremplie',
  'family.refreshed': 'Famille actualisée',
  'beneficiary.added': 'Ayant droit ajouté',
  'beneficiary.updated': 'Ayant droit mis à jour',
  'eligibility.changed': 'Couverture modifiée',
  'employer.affiliated': 'Affiliation',
  'employer.suspended': 'Suspension',
  'employer.reopened': 'Réouverture',
  'employer.closed': 'Clôture',
  'employer.transferred': "Transfert d'agence",
  'employer.company_updated': 'Entreprise mise à jour (OMPIC)',
  'employer.removal_reported': 'Radiation signalée (OMPIC)',
  'representative.added': 'Représentant ajouté',
  'representative.removed': 'Représentant retiré',
};

export const SOURCES: Record<string, string> = {
  client: 'saisie agence',
  derived: 'déduit',
  'job:eligibility': 'calcul quotidien',
  ...PARTNERS,
};

/** The registry's coverage reasons (hub/registry/eligibility.cpp, families.cpp) in French. */
const COVERAGE: Record<string, string> = {
  married: 'conjoint(e) marié(e)',
  'child under 21': 'enfant de moins de 21 ans',
  'student under 26 with a valid proof': 'étudiant(e) de moins de 26 ans avec un justificatif valide',
  'disabled child: no age limit': 'enfant en situation de handicap : sans limite d’âge',
  '26 or older': '26 ans ou plus',
  '21 or older and married': '21 ans ou plus et marié(e)',
  '21 or older without a proof of studies': '21 ans ou plus sans justificatif de scolarité',
  '21 or older; the proof of studies expired': '21 ans ou plus ; justificatif de scolarité expiré',
  deceased: 'décédé(e)',
  'birth date unknown': 'date de naissance inconnue',
  'not born on this date': 'pas encore né(e) à cette date',
  divorced: 'divorcé(e)',
  widowed: 'veuvage',
  'insured in their own right': 'assuré(e) en son propre nom',
};

/** A coverage reason in French, or null when the hub gave one this page does not know. */
export function coverageReason(reason: string): string | null {
  if (reason in COVERAGE) return COVERAGE[reason];
  let m = /^the insured person's registration is (\w+)$/.exec(reason);
  if (m) return `l’immatriculation de l’assuré(e) est ${STATUS[m[1]] ?? m[1]}`;
  m = /^attached to the coverage of the other parent \((\d+), (.+)\)$/.exec(reason);
  if (m) {
    const why =
      m[2] === 'the father'
        ? 'le père'
        : m[2] === 'who has custody'
          ? 'qui a la garde'
          : m[2].replace(/^as this registration is (\w+)$/, (_, s: string) => `cette immatriculation étant ${STATUS[s] ?? s}`);
    return `rattaché(e) à la couverture de l’autre parent (${m[1]}, ${why})`;
  }
  return null;
}

/** "2031-04-06" → "06/04/2031"; a year alone stays a year. */
export function frenchDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

export { frenchTime, label } from '../shared/format';
