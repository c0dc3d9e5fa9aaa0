// What the administrator reads: French words for the workbench's codes (docs/openapi/
// workbench.yaml). The hub's own messages (the compiler's diagnostics, a case's failure) are shown
// as they came, marked lang="en".

export const ERRORS: Record<string, string> = {
  self_approval: 'Une demande ne peut pas être approuvée par son auteur',
  draft_failing: 'Le brouillon ne compile pas ou ses cas de référence échouent',
  stale_base: 'Une version plus récente a été publiée depuis : repartir de celle-ci',
  draft_not_editable: 'Le brouillon n’est plus modifiable (publication demandée ou décidée)',
  draft_not_awaiting: 'Ce brouillon n’attend plus d’approbation',
  unknown_mapping: 'Mapping ou table de codes inconnu',
  not_a_mapping: 'Une table de codes n’a ni essai, ni rejeu, ni cas de référence propres',
  unknown_version: 'Version inconnue',
  unknown_draft: 'Brouillon inconnu',
  invalid_input: 'Saisie invalide',
  not_found: 'Introuvable',
  no_route: 'Fonction absente de ce hub',
  forbidden: 'Droit insuffisant (rôle mapping_author ou mapping_approver, ou pas l’auteur du brouillon)',
  unknown_principal: 'Certificat inconnu du hub',
  conflict: 'Conflit : le brouillon a changé entre-temps',
  payload_too_large: 'Contenu trop volumineux',
  internal: 'Erreur interne du hub',
  network: 'Pas de réponse du hub (réseau)',
};

export const DRAFT_STATES: Record<string, string> = {
  editing: 'en cours de rédaction',
  awaiting_approval: 'en attente d’approbation',
  published: 'publié',
  rejected: 'refusé',
};

export const VERSION_KINDS: Record<string, string> = {
  seed: 'fichiers d’origine',
  publish: 'publication',
  rollback: 'retour arrière',
};
