//! The claim and stance rules on the parse, one construct per test, on sentences written for
//! these tests (invented people; states and agencies only as everyday examples).
use portavoz::{with_default_pipeline, Annotation, Claim, Polarity};

fn annotate(text: &str) -> Annotation {
    with_default_pipeline(|p| p.annotate(text))
        .expect("model")
        .expect("annotation")
}

fn claim<'a>(a: &'a Annotation, cue: &str) -> &'a Claim {
    a.claims
        .iter()
        .find(|c| {
            c.cue
                .as_deref()
                .map_or(false, |q| q.ends_with(cue) || q.starts_with(cue))
        })
        .unwrap_or_else(|| panic!("no claim with cue {cue:?} in {:#?}", a.claims))
}

/// The claim has a stance toward a target containing `target`, with that polarity.
fn expect_stance(c: &Claim, target: &str, polarity: Polarity) {
    assert!(
        has_stance(c, target, polarity),
        "no {polarity:?} {target:?} in {:?}",
        c.stances
    );
}

/// The claim has no such stance.
fn refute_stance(c: &Claim, target: &str, polarity: Polarity) {
    assert!(
        !has_stance(c, target, polarity),
        "unwanted {polarity:?} {target:?} in {:?}",
        c.stances
    );
}

fn has_stance(c: &Claim, target: &str, polarity: Polarity) -> bool {
    c.stances
        .iter()
        .any(|s| s.target.contains(target) && s.polarity == polarity)
}

#[test]
fn subject_after_the_verb() {
    let a = annotate(
        "«Las negociaciones seguirán la próxima semana», dijo el martes la ministra Elena Marín.",
    );
    let c = claim(&a, "dijo");
    assert_eq!(c.speaker, vec!["Elena Marín"]);
    assert!(
        c.content.starts_with("Las negociaciones seguirán"),
        "{}",
        c.content
    );
}

#[test]
fn compound_tense_and_clause_content() {
    let a = annotate(
        "El canciller Tomás Vidal ha subrayado que el acuerdo comercial entrará en vigor en enero.",
    );
    let c = claim(&a, "subrayado");
    assert_eq!(c.speaker, vec!["Tomás Vidal"]);
    assert!(
        c.content.starts_with("el acuerdo comercial"),
        "{}",
        c.content
    );
}

#[test]
fn verb_outside_the_old_lists_found_by_lemma() {
    let a = annotate(
        "La ministra Elena Marín desgranó los detalles del nuevo plan de vivienda ante la prensa.",
    );
    assert_eq!(claim(&a, "desgranó").speaker, vec!["Elena Marín"]);
}

#[test]
fn gerund_takes_the_main_clause_subject() {
    let a = annotate(
        "El presidente Andrés Gutiérrez inauguró el puerto, destacando que la obra creará empleo.",
    );
    assert_eq!(claim(&a, "destacando").speaker, vec!["Andrés Gutiérrez"]);
}

#[test]
fn relative_clause_subject_is_its_antecedent() {
    let a = annotate(
        "El ministro Tomás Vidal, quien afirmó que la reforma es urgente, viajará mañana a Lisboa.",
    );
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Tomás Vidal"]);
}

#[test]
fn zero_subject_goes_on_with_the_last_speaker() {
    let a = annotate("La ministra Elena Marín dijo que el diálogo continuará. Añadió que habrá una nueva reunión en marzo.");
    assert_eq!(claim(&a, "Añadió").speaker, vec!["Elena Marín"]);
}

#[test]
fn coordinated_subjects_speak_jointly() {
    let a =
        annotate("Elena Marín y Lin Hao afirmaron que la cooperación entre sus países crecerá.");
    let mut speakers = claim(&a, "afirmaron").speaker.clone();
    speakers.sort();
    assert_eq!(speakers, vec!["Elena Marín", "Lin Hao"]);
}

#[test]
fn role_with_a_name_in_apposition() {
    let a = annotate("La portavoz del ministerio, Ana Ruiz, señaló que no habrá cambios en la política exterior.");
    assert_eq!(claim(&a, "señaló").speaker, vec!["Ana Ruiz"]);
}

#[test]
fn state_body_speaks_for_the_state() {
    let a = annotate("El Gobierno de Portugal afirmó que respetará el calendario acordado.");
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Portugal"]);
}

#[test]
fn segun_names_the_source() {
    let a = annotate("Según el ministro Tomás Vidal, la reunión fue muy productiva.");
    let c = claim(&a, "Según");
    assert_eq!(c.speaker, vec!["Tomás Vidal"]);
    assert!(
        c.content.contains("la reunión fue muy productiva"),
        "{}",
        c.content
    );
}

#[test]
fn position_after_estar_dispuesto() {
    let a = annotate("Portugal está dispuesto a negociar un nuevo acuerdo pesquero.");
    assert_eq!(claim(&a, "dispuesto").speaker, vec!["Portugal"]);
}

#[test]
fn stance_toward_a_concept_object() {
    let a = annotate("La ministra Elena Marín condenó el bloqueo comercial.");
    let c = claim(&a, "condenó");
    expect_stance(c, "bloqueo comercial", Polarity::Oppose);
}

#[test]
fn stance_toward_a_state_object() {
    let a = annotate("La ministra Elena Marín agradeció a Portugal su apoyo durante la crisis.");
    let c = claim(&a, "agradeció");
    expect_stance(c, "Portugal", Polarity::Support);
    // the thanked party is the target, not what it is thanked for
    let a = annotate(
        "La ministra Elena Marín agradeció a Portugal sus esfuerzos por la estabilidad regional.",
    );
    let c = claim(&a, "agradeció");
    assert_eq!(c.speaker, vec!["Elena Marín"]);
    assert!(has_stance(c, "Portugal", Polarity::Support), "{c:#?}");
    assert!(
        !c.stances.iter().any(|s| s.target.contains("esfuerzos")),
        "{c:#?}"
    );
}

#[test]
fn negation_flips_the_stance() {
    let a = annotate("El ministro Tomás Vidal dijo que su país no apoya las sanciones.");
    let c = claim(&a, "dijo");
    expect_stance(c, "sanciones", Polarity::Oppose);
    refute_stance(c, "sanciones", Polarity::Support);
}

#[test]
fn no_claim_from_a_narrated_fact() {
    let a = annotate("El ministro Tomás Vidal viajó a Lisboa el martes y visitó el puerto.");
    assert!(a.claims.is_empty(), "{:#?}", a.claims);
}

#[test]
fn words_inside_a_quotation_are_not_cues() {
    let a = annotate("«Nadie dijo que sería fácil», afirmó la ministra Elena Marín.");
    assert_eq!(a.claims.len(), 1, "{:#?}", a.claims);
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Elena Marín"]);
}

#[test]
fn passive_agent_is_the_speaker() {
    let a = annotate("La fecha de la cumbre fue confirmada por el portavoz Andrés Gutiérrez.");
    assert_eq!(claim(&a, "confirmada").speaker, vec!["Andrés Gutiérrez"]);
}

#[test]
fn acronym_speaks_for_its_organization() {
    let a = annotate("La Organización Mundial de la Salud (OMS) publicó un informe. La OMS advirtió que los contagios aumentarán.");
    let c = claim(&a, "advirtió");
    assert_eq!(c.speaker, vec!["Organización Mundial de la Salud"]);
}

#[test]
fn plural_zero_subject_is_joint() {
    let a = annotate("La ministra Elena Marín dijo que habrá acuerdo. El canciller Lin Hao afirmó que el texto está listo. Acordaron reunirse de nuevo en mayo.");
    let mut speakers = claim(&a, "Acordaron").speaker.clone();
    speakers.sort();
    assert_eq!(speakers, vec!["Elena Marín", "Lin Hao"]);
}

#[test]
fn a_document_speaks_for_its_publisher() {
    let a = annotate("Los dos gobiernos firmaron el convenio el lunes, detalló un comunicado de la Presidencia portuguesa.");
    assert_eq!(claim(&a, "detalló").speaker, vec!["Portugal"]);
}

#[test]
fn stance_toward_the_partner_of_a_relation() {
    let a = annotate(
        "La ministra Elena Marín afirmó que su país quiere fortalecer los lazos con Portugal.",
    );
    let c = claim(&a, "afirmó");
    expect_stance(c, "Portugal", Polarity::Support);
}

#[test]
fn role_phrase_agrees_in_gender_with_its_person() {
    let a = annotate(
        "El canciller Tomás Vidal se reunió con la canciller Elena Marín. Tomás Vidal dijo que el encuentro fue útil. La canciller afirmó que habrá un acuerdo pronto.",
    );
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Elena Marín"]);
}

#[test]
fn nested_state_position_inside_a_quotation() {
    let a = annotate(
        "«El Gobierno de Portugal rechaza las acusaciones», dijo el canciller Tomás Vidal.",
    );
    assert_eq!(claim(&a, "dijo").speaker, vec!["Tomás Vidal"]);
    let nested = claim(&a, "rechaza");
    assert_eq!(nested.speaker, vec!["Portugal"]);
    expect_stance(nested, "acusaciones", Polarity::Oppose);
}

#[test]
fn media_source_after_segun() {
    let a = annotate(
        "Según la agencia EFE, el ministro Tomás Vidal viajará a Lisboa la próxima semana.",
    );
    let c = claim(&a, "Según");
    assert!(
        c.speaker.iter().any(|s| s.contains("EFE")),
        "{:?}",
        c.speaker
    );
}

#[test]
fn que_clause_after_a_time_phrase() {
    let a = annotate(
        "La ministra Elena Marín aseguró este lunes en Lisboa que el acuerdo está muy cerca.",
    );
    let c = claim(&a, "aseguró");
    assert_eq!(c.speaker, vec!["Elena Marín"]);
    assert!(c.content.starts_with("el acuerdo"), "{}", c.content);
}

#[test]
fn zero_subject_continues_the_narrated_topic() {
    let a = annotate(
        "El ministro Tomás Vidal dijo que el puerto abrirá en junio. La ministra Elena Marín visitó las obras el martes. Afirmó que no habrá retrasos.",
    );
    assert_eq!(claim(&a, "Afirmó").speaker, vec!["Elena Marín"]);
}

#[test]
fn dateline_is_not_the_subject() {
    let a = annotate("(EFE) - La ministra de Sanidad, Elena Marín, ha explicado este martes que el plan sigue adelante.");
    assert_eq!(claim(&a, "explicado").speaker, vec!["Elena Marín"]);
}

#[test]
fn object_after_the_verb_is_not_the_speaker() {
    let a = annotate(
        "El ministro Tomás Vidal dijo que Portugal y Chile exhortaron a Japón a negociar.",
    );
    let c = claim(&a, "exhortaron");
    assert!(!c.speaker.iter().any(|s| s == "Japón"), "{:?}", c.speaker);
}

#[test]
fn the_agent_of_a_hostile_act_is_opposed() {
    let a =
        annotate("La ministra Elena Marín afirmó que las amenazas de Portugal son inaceptables.");
    let c = claim(&a, "afirmó");
    expect_stance(c, "Portugal", Polarity::Oppose);
}

#[test]
fn coordinated_targets_all_take_the_stance() {
    let a =
        annotate("La ministra Elena Marín criticó duramente a Portugal y a Chile por su silencio.");
    let c = claim(&a, "criticó");
    assert!(
        has_stance(c, "Portugal", Polarity::Oppose) && has_stance(c, "Chile", Polarity::Oppose),
        "{:?}",
        c.stances
    );
}

#[test]
fn a_light_verb_with_an_event_is_no_cue() {
    let a = annotate("La ministra Elena Marín celebró una reunión con los embajadores en Lisboa.");
    assert!(a.claims.is_empty(), "{:#?}", a.claims);
    let b = annotate("La ministra Elena Marín celebró el acuerdo alcanzado con Portugal.");
    assert!(!b.claims.is_empty());
}

#[test]
fn a_role_of_a_state_names_the_person_of_that_state() {
    let a = annotate(
        "El presidente Lin Hao de China conversó con el presidente Andrés Gutiérrez. Gutiérrez dijo que la llamada fue cordial. El presidente chino afirmó que ambos países cooperarán.",
    );
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Lin Hao"]);
}

#[test]
fn a_verb_with_a_noun_of_attitude_states_a_position() {
    let a = annotate(
        "El Gobierno de Portugal mantiene su disposición al diálogo con todas las partes.",
    );
    assert_eq!(claim(&a, "mantiene").speaker, vec!["Portugal"]);
}

#[test]
fn a_later_document_speaks_for_the_same_publisher() {
    let a = annotate("El acuerdo está muy cerca, según una nota portuguesa. Las obras empezarán en mayo, según el comunicado.");
    let later: Vec<&Claim> = a
        .claims
        .iter()
        .filter(|c| c.cue.as_deref() == Some("según"))
        .collect();
    assert_eq!(later.len(), 2, "{:#?}", a.claims);
    assert!(
        later.iter().all(|c| c.speaker == vec!["Portugal"]),
        "{:#?}",
        later
    );
}

#[test]
fn a_capital_speaks_for_its_state() {
    let a = annotate("Lisboa afirmó que no aceptará nuevas condiciones en la negociación.");
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Portugal"]);
}

#[test]
fn an_evaluative_adjective_takes_a_stance_toward_whose_act_it_judges() {
    let a = annotate(
        "La ministra Elena Marín afirmó que las declaraciones de Portugal son inaceptables.",
    );
    let c = claim(&a, "afirmó");
    expect_stance(c, "Portugal", Polarity::Oppose);
}

#[test]
fn a_proposal_is_supported() {
    let a = annotate("El ministro Tomás Vidal propuso un plan de paz para la región.");
    let c = claim(&a, "propuso");
    expect_stance(c, "plan de paz", Polarity::Support);
}

#[test]
fn the_need_for_an_act_supports_what_it_acts_on() {
    let a = annotate("El canciller Tomás Vidal insistió en la necesidad de reabrir el diálogo con los sindicatos.");
    let c = claim(&a, "insistió");
    expect_stance(c, "diálogo", Polarity::Support);
}

#[test]
fn a_person_taking_a_position_becomes_the_current_speaker() {
    let a = annotate(
        "La ministra Elena Marín dijo que el puerto abrirá en junio. El ministro Tomás Vidal rechazó las críticas de la oposición. Negó que haya retrasos en las obras.",
    );
    assert_eq!(claim(&a, "Negó").speaker, vec!["Tomás Vidal"]);
}

#[test]
fn both_parties_are_the_last_two_who_spoke() {
    let a = annotate(
        "El presidente Andrés Gutiérrez inauguró la cumbre el lunes. La ministra Elena Marín dijo que habrá acuerdo. El canciller Lin Hao afirmó que el texto está listo. Ambas partes acordaron reunirse de nuevo en mayo.",
    );
    let mut speakers = claim(&a, "acordaron").speaker.clone();
    speakers.sort();
    assert_eq!(speakers, vec!["Elena Marín", "Lin Hao"]);
}

#[test]
fn a_phrasal_cue_noun_is_no_target() {
    let a = annotate(
        "El canciller Tomás Vidal dio la bienvenida a la propuesta de diálogo de Portugal.",
    );
    let c = claim(&a, "bienvenida");
    assert!(
        !c.stances.iter().any(|s| s.target.contains("bienvenida")),
        "{c:#?}"
    );
}

#[test]
fn a_third_partys_hostile_act_is_opposed_by_who_tells_it() {
    let a = annotate(
        "El canciller Tomás Vidal dijo que Portugal ha amenazado a sus vecinos con sanciones.",
    );
    let c = claim(&a, "dijo");
    assert_eq!(c.speaker, vec!["Tomás Vidal"]);
    assert!(has_stance(c, "Portugal", Polarity::Oppose), "{c:#?}");
    // not when the act is denied
    let a = annotate("El canciller Tomás Vidal dijo que Portugal no ha amenazado a nadie.");
    assert!(
        !has_stance(claim(&a, "dijo"), "Portugal", Polarity::Oppose),
        "{:#?}",
        a.claims
    );
}

#[test]
fn a_hostile_act_the_parse_coordinated_with_the_cue_is_still_said() {
    let a = annotate(
        "La ministra Elena Marín dijo que Portugal ha incumplido los acuerdos, y ha amenazado a sus vecinos.",
    );
    let c = claim(&a, "dijo");
    assert!(has_stance(c, "Portugal", Polarity::Oppose), "{c:#?}");
}

#[test]
fn holding_an_event_is_no_stance() {
    let a = annotate(
        "La ministra Elena Marín y el canciller Tomás Vidal acordaron celebrar el Foro Pesquero en Oslo.",
    );
    assert!(
        a.claims.iter().all(|c| c.stances.is_empty()),
        "{:#?}",
        a.claims
    );
}

#[test]
fn a_stance_noun_takes_the_complement_the_parse_hung_on_its_verb() {
    let a = annotate(
        "El canciller Tomás Vidal reiteró su firme rechazo a la tala de los bosques del norte.",
    );
    let c = claim(&a, "reiteró");
    assert!(has_stance(c, "tala de", Polarity::Oppose), "{c:#?}");
    assert!(
        !has_stance(c, "rechazo", Polarity::Support) && !has_stance(c, "rechazo", Polarity::Oppose),
        "{c:#?}"
    );
}

#[test]
fn an_opposing_word_turns_a_stance_noun_round() {
    let a = annotate("La ministra Ana Ruiz condenó la lucha contra los periodistas.");
    let c = claim(&a, "condenó");
    assert!(has_stance(c, "periodistas", Polarity::Support), "{c:#?}");
    assert!(
        !c.stances.iter().any(|s| s.polarity == Polarity::Oppose),
        "{c:#?}"
    );
}

#[test]
fn the_subject_of_a_clause_judged_unacceptable_is_opposed() {
    let a = annotate(
        "La ministra Elena Marín dijo que es inaceptable que Noruega decidiera cerrar sus puertos.",
    );
    let c = claim(&a, "dijo");
    assert!(has_stance(c, "Noruega", Polarity::Oppose), "{c:#?}");
}

#[test]
fn a_noun_of_necessity_or_importance_passes_the_stance_to_its_complement() {
    let a = annotate(
        "La ministra Elena Marín defendió la necesidad de reducir la deuda con medidas graduales.",
    );
    let c = claim(&a, "defendió");
    assert!(has_stance(c, "deuda", Polarity::Support), "{c:#?}");
    assert!(
        !c.stances
            .iter()
            .any(|s| s.target.contains("necesidad") || s.target.contains("medidas")),
        "{c:#?}"
    );
    let a = annotate(
        "El canciller Tomás Vidal dijo que el Gobierno defiende la importancia del acuerdo pesquero.",
    );
    assert!(
        has_stance(claim(&a, "dijo"), "acuerdo pesquero", Polarity::Support),
        "{:#?}",
        a.claims
    );
}

#[test]
fn a_fight_against_something_opposes_it() {
    let a = annotate("Los presidentes Tomás Vidal y Ana Ruiz acordaron intensificar la lucha contra la pesca ilegal de atún.");
    let c = claim(&a, "acordaron");
    assert!(has_stance(c, "pesca ilegal", Polarity::Oppose), "{c:#?}");
}

#[test]
fn a_diphthong_left_in_the_lemma_still_finds_the_verb() {
    // "aprueba" lemmatized "apruebar" is read as "aprobar"
    let a = annotate("Noruega no aprueba los nuevos aranceles.");
    let c = claim(&a, "aprueba");
    assert_eq!(c.speaker, vec!["Noruega"]);
    assert!(has_stance(c, "aranceles", Polarity::Oppose), "{c:#?}");
}

#[test]
fn a_plural_role_with_coordinated_names_speaks_jointly() {
    let a = annotate(
        "Los presidentes Tomás Vidal y Ana Ruiz coincidieron en que la cooperación debe crecer.",
    );
    let c = claim(&a, "coincidieron");
    let mut sp = c.speaker.clone();
    sp.sort();
    assert_eq!(sp, vec!["Ana Ruiz", "Tomás Vidal"]);
}

#[test]
fn an_open_role_among_named_conjuncts_is_the_other_participant() {
    let a = annotate(
        "El presidente de Noruega, Omar Silva, se reunió con la primera ministra sueca, Ana Ruiz. \
         Durante la visita, el jefe de Estado y la primera ministra sueca, Ana Ruiz, reiteraron la necesidad de un acuerdo pesquero.",
    );
    let c = claim(&a, "reiteraron");
    let mut sp = c.speaker.clone();
    sp.sort();
    assert_eq!(sp, vec!["Ana Ruiz", "Omar Silva"]);
}

#[test]
fn a_gerund_after_a_reported_clause_is_the_reporters() {
    let a = annotate("La ministra Ana Ruiz dijo que Noruega revisará el tratado, subrayando que el comercio es prioritario.");
    assert_eq!(claim(&a, "subrayando").speaker, vec!["Ana Ruiz"]);
}

#[test]
fn a_plural_zero_subject_goes_on_with_the_last_joint_speakers() {
    let a = annotate(
        "El presidente de Portugal, Omar Silva, y la primera ministra danesa, Ana Ruiz, reiteraron que la paz es urgente. \
         Silva dijo que la guerra debe terminar. Asimismo, defendieron la creación de un fondo común.",
    );
    let c = claim(&a, "defendieron");
    let mut sp = c.speaker.clone();
    sp.sort();
    assert_eq!(sp, vec!["Ana Ruiz", "Omar Silva"]);
}

#[test]
fn a_stance_toward_an_act_is_one_toward_whose_act_it_is() {
    let a = annotate("La ministra Ana Ruiz rechazó las acusaciones del Gobierno de Portugal.");
    let c = claim(&a, "rechazó");
    assert!(has_stance(c, "Portugal", Polarity::Oppose), "{c:#?}");
    assert!(!has_stance(c, "Portugal", Polarity::Support), "{c:#?}");
    let a = annotate("El canciller Tomás Vidal apoyó la propuesta de Portugal.");
    assert!(
        has_stance(claim(&a, "apoyó"), "Portugal", Polarity::Support),
        "{:#?}",
        a.claims
    );
}

#[test]
fn an_adjective_judging_the_noun_the_parse_hung_on_it() {
    let a = annotate("El ministro Lin Hao ha calificado de «absurdas e intolerables» las palabras de Tomás Vidal.");
    assert!(
        has_stance(claim(&a, "calificado"), "Tomás Vidal", Polarity::Oppose),
        "{:#?}",
        a.claims
    );
}

#[test]
fn a_cue_after_a_quotation_says_the_quotation_and_a_nested_claim_leaves_the_teller_speaking() {
    let a = annotate(
        "«Nunca vimos algo así», ha declarado la ministra Ana Ruiz, que ha calificado de «pretexto» cómo el Gobierno de Noruega ha explicado el cierre. \
         «Los agricultores pierden sus cosechas», ha añadido.",
    );
    let declared = claim(&a, "ha declarado");
    assert_eq!(declared.content, "Nunca vimos algo así");
    assert_eq!(claim(&a, "ha explicado").speaker, vec!["Noruega"]);
    assert_eq!(claim(&a, "ha añadido").speaker, vec!["Ana Ruiz"]);
}

#[test]
fn a_que_clause_after_time_and_place_phrases_is_the_content() {
    // "este sábado en que ..." read by the parse as a relative clause on "sábado"
    let a = annotate("El ministro de Agricultura de Noruega, Tomás Vidal, ha insistido este martes desde Oslo en que propondrá a sus colegas una reforma del sistema de cuotas.");
    let c = claim(&a, "ha insistido");
    assert!(c.content.starts_with("propondrá"), "{}", c.content);
    // a stance verb with its clause after a time phrase
    let a = annotate("Por su parte, Tomás Vidal defendió durante la rueda de prensa que la reforma fiscal es un paso necesario para el país.");
    let c = claim(&a, "defendió");
    assert!(c.content.starts_with("la reforma"), "{}", c.content);
}

#[test]
fn a_common_noun_for_an_organization_is_the_one_last_quoted() {
    let a = annotate("La Secretaría de Agricultura de Noruega informó que habrá nuevas ayudas. «Apoyaremos a los productores locales», agregó la dependencia.");
    let c = claim(&a, "agregó");
    assert_eq!(c.speaker, claim(&a, "informó").speaker);
    assert!(c.speaker[0].starts_with("Secretaría"), "{:?}", c.speaker);
}

#[test]
fn a_passive_auxiliary_hung_after_the_participle_makes_no_passive() {
    let a = annotate("Sobre el presupuesto, el ministro Tomás Vidal ha asegurado que las cuentas se ajustan a la ley y ha recordado que no es la primera vez que se aprueban recortes en plena crisis.");
    let c = claim(&a, "ha recordado");
    assert_eq!(c.speaker, vec!["Tomás Vidal"]);
}

#[test]
fn a_verb_of_saying_coordinated_into_the_reported_clause_goes_with_the_first() {
    // "recordado" parsed as coordinated with "normales", inside what "ha asegurado" reports
    let a = annotate("El ministro Tomás Vidal ha asegurado que las cuentas son sólidas y ha recordado que no es la primera vez que se aprueban recortes en plena crisis.");
    assert_eq!(claim(&a, "ha recordado").speaker, vec!["Tomás Vidal"]);
}

#[test]
fn a_parenthetical_cue_is_the_current_speakers() {
    let a = annotate("El ministro Tomás Vidal habló con la prensa. Elogió los «sólidos» vínculos que, asegura, mantiene Noruega con Islandia.");
    assert_eq!(claim(&a, "asegura").speaker, vec!["Tomás Vidal"]);
}

#[test]
fn a_hostile_act_is_the_target_and_its_agent_is_opposed() {
    let a = annotate(
        "La ministra Ana Ruiz denunció la violación de las aguas territoriales de Islandia.",
    );
    let c = claim(&a, "denunció");
    assert!(has_stance(c, "violación", Polarity::Oppose), "{c:#?}");
    assert!(
        !c.stances.iter().any(|s| s.polarity == Polarity::Support),
        "{c:#?}"
    );
    let a =
        annotate("La ministra Ana Ruiz condenó los ataques de Noruega contra buques pesqueros.");
    let c = claim(&a, "condenó");
    assert!(has_stance(c, "Noruega", Polarity::Oppose), "{c:#?}");
    assert!(
        has_stance(c, "ataques contra buques pesqueros", Polarity::Oppose),
        "{c:#?}"
    );
}

#[test]
fn a_role_noun_of_a_listed_pair_has_the_gender_of_its_ending() {
    // the morphology head may tag "homóloga" masculine; "homólogo"/"homóloga" in roles.tsv say
    // it is feminine, so "el ministro" is not her
    let a = annotate(
        "El ministro de Pesca, Tomás Vidal, se ha reunido este lunes con su homóloga islandesa, Ana Ruiz, con quien ha revisado las cuotas de captura, han informado fuentes oficiales. \
         La visita ha servido para preparar el tratado pesquero, ha indicado el ministro en una entrevista radiofónica.",
    );
    assert_eq!(claim(&a, "ha indicado").speaker, vec!["Tomás Vidal"]);
}

#[test]
fn a_sentence_a_source_tells_is_still_about_its_subject() {
    let a = annotate(
        "El ministro de Pesca de Noruega, Tomás Vidal, visitó el puerto de Bergen con su colega, Ana Ruiz, según informó el Ministerio de Pesca. \
         También planteó la reforma de las cuotas.",
    );
    assert_eq!(claim(&a, "planteó").speaker, vec!["Tomás Vidal"]);
}

#[test]
fn a_quality_judges_the_subject_of_its_predicate() {
    let a = annotate("Ana Ruiz dijo que Islandia no es un socio fiable.");
    let c = claim(&a, "dijo");
    expect_stance(c, "Islandia", Polarity::Oppose);
    let a = annotate("Ana Ruiz dijo que Islandia es un socio fiable.");
    let c = claim(&a, "dijo");
    expect_stance(c, "Islandia", Polarity::Support);
}

#[test]
fn a_predicative_of_regarding_judges_the_object() {
    let a = annotate(
        "Ana Ruiz dijo que Islandia ve a Portugal como un socio leal y un buen aliado en materia pesquera.",
    );
    let c = claim(&a, "dijo");
    expect_stance(c, "Portugal", Polarity::Support);
    refute_stance(c, "Islandia", Polarity::Support);
}

#[test]
fn a_conduct_judges_whoever_shows_it() {
    let a = annotate(
        "Ana Ruiz afirmó que el Gobierno de Noruega ha exhibido una vez más su prepotencia en las negociaciones pesqueras.",
    );
    let c = claim(&a, "afirmó");
    expect_stance(c, "Noruega", Polarity::Oppose);
    let a = annotate("Según Ana Ruiz, la constructora Nordvik falseó las cuentas del puerto.");
    let c = claim(&a, "Según");
    expect_stance(c, "Nordvik", Polarity::Oppose);
}

#[test]
fn a_harm_judges_whoever_caused_it() {
    let a = annotate("Ana Ruiz denunció la destrucción causada por Islandia en los caladeros.");
    let c = claim(&a, "denunció");
    expect_stance(c, "Islandia", Polarity::Oppose);
    // a harm suffered judges nobody
    let a = annotate("Ana Ruiz lamentó la muerte de cientos de soldados de Islandia.");
    let c = claim(&a, "lamentó");
    refute_stance(c, "Islandia", Polarity::Oppose);
}

#[test]
fn a_quality_of_a_relation_judges_the_partner_not_the_speaker() {
    let a = annotate("El ministro portugués Tomás Vidal destacó las excelentes relaciones entre Portugal y Noruega.");
    let c = claim(&a, "destacó");
    expect_stance(c, "Noruega", Polarity::Support);
    refute_stance(c, "Portugal", Polarity::Support);
}

#[test]
fn an_infinitive_target_is_named_by_its_act_noun() {
    let a = annotate("Tomás Vidal abogó por cerrar al tráfico pesado el puente viejo.");
    let c = claim(&a, "abogó");
    expect_stance(c, "cierre de", Polarity::Support);
    let a = annotate("Portugal rechaza imponer nuevas sanciones comerciales.");
    let c = claim(&a, "rechaza");
    expect_stance(c, "imposición de nuevas sanciones", Polarity::Oppose);
    // a verb that carries its object forward leaves the object the target
    let a = annotate("Ana Ruiz defendió la necesidad de mantener el diálogo regional.");
    let c = claim(&a, "defendió");
    assert!(
        c.stances.iter().any(|s| s.target == "diálogo regional"),
        "{:?}",
        c.stances
    );
}

#[test]
fn a_stance_noun_lends_its_complement_from_an_oblique() {
    let a = annotate("Ana Ruiz insistió en su rechazo firme al cierre de la escuela rural.");
    let c = claim(&a, "insistió");
    expect_stance(c, "cierre de escuela rural", Polarity::Oppose);
}

#[test]
fn a_state_named_again_by_a_common_noun_speaks() {
    let a = annotate(
        "Portugal envió una nota a Noruega. Ese país afirmó después que el puerto está abierto.",
    );
    let c = claim(&a, "afirmó");
    assert_eq!(c.speaker, vec!["Noruega"]);
    let a = annotate(
        "Kenia firmó el acuerdo comercial. El país africano aseguró que cumplirá sus compromisos.",
    );
    let c = claim(&a, "aseguró");
    assert_eq!(c.speaker, vec!["Kenia"]);
    // a possessive names the possessor's country, not the last one named
    let a = annotate("Ana Ruiz habló con Noruega. Su país aseguró que cumplirá sus compromisos.");
    assert!(
        a.claims.iter().all(|c| c.speaker != vec!["Noruega"]),
        "{:#?}",
        a.claims
    );
}

#[test]
fn a_demonym_standing_for_a_person_is_the_latest_of_that_state() {
    let a = annotate(
        "El presidente de Noruega, Lars Berg, llegó a la feria con la ministra Ana Ruiz. «La feria fue un éxito», señaló el noruego en la rueda de prensa.",
    );
    let c = claim(&a, "señaló");
    assert_eq!(c.speaker, vec!["Lars Berg"]);
}

#[test]
fn a_zero_subject_under_a_verb_of_saying_is_its_subject() {
    let a = annotate(
        "Ana Ruiz explicó que el Gobierno de Islandia ha tenido una postura muy firme sobre la pesca con respecto a Noruega y ha recalcado que cree que el acuerdo llegará pronto.",
    );
    let c = claim(&a, "cree");
    assert_eq!(c.speaker, vec!["Islandia"]);
    // the content starts after the cue and its "que", wherever the parse hung the "que"
    assert!(c.content.starts_with("el acuerdo"), "{}", c.content);
    let c = claim(&a, "recalcado");
    assert!(c.content.starts_with("cree que"), "{}", c.content);
}

#[test]
fn a_state_goes_by_the_name_the_document_uses() {
    let a = annotate("El ministro de Türkiye, Omar Silva, dijo que Türkiye rechaza las sanciones.");
    let c = claim(&a, "rechaza");
    assert_eq!(c.speaker, vec!["Türkiye"]);
    assert!(
        a.entities
            .iter()
            .any(|e| e.text == "Türkiye" && e.canonical == "Türkiye"),
        "{:?}",
        a.entities
    );
    // an abbreviation is no name to go by
    let a = annotate("Omar Silva dijo que EE.UU. rechaza las sanciones.");
    let c = claim(&a, "rechaza");
    assert_eq!(c.speaker, vec!["Estados Unidos"]);
}

#[test]
fn a_position_word_after_a_copular_verb_whatever_the_parse() {
    let a = annotate(
        "Tomás Vidal se reunió con Ana Ruiz. Los dos ministros repasaron con detalle los proyectos comunes de ambos países en materia de puertos, y se mostraron satisfechos con el avance de las obras del dique este año.",
    );
    let c = claim(&a, "satisfechos");
    assert_eq!(c.speaker, vec!["Tomás Vidal", "Ana Ruiz"]);
    assert!(c.content.contains("avance de las obras"), "{}", c.content);
}

#[test]
fn a_judgment_reaches_the_agent_of_a_participle_and_the_noun_of_a_relative() {
    let a = annotate(
        "Ana Ruiz afirmó que lo peor fue la arrogancia mostrada por los negociadores noruegos.",
    );
    let c = claim(&a, "afirmó");
    expect_stance(c, "Noruega", Polarity::Oppose);
    let a = annotate(
        "Ana Ruiz destacó las tarifas fijadas por Noruega, que vulneran las reglas del mercado.",
    );
    let c = claim(&a, "destacó");
    expect_stance(c, "Noruega", Polarity::Oppose);
    let a = annotate("Ana Ruiz dijo que Noruega actuó con total irresponsabilidad.");
    let c = claim(&a, "dijo");
    expect_stance(c, "Noruega", Polarity::Oppose);
}

#[test]
fn a_quotation_with_a_zero_subject_goes_on_with_the_organization_that_spoke() {
    let a = annotate(
        "El ministro Tomás Vidal habló con Ana Ruiz. El Ministerio de Agricultura de Portugal informó que ambos acordaron ampliar las ayudas a los olivareros. «Las ayudas llegarán a tres mil familias», indicó. «El primer pago será en marzo», agregó.",
    );
    assert_eq!(
        claim(&a, "indicó").speaker,
        vec!["Ministerio de Agricultura de Portugal"]
    );
    assert_eq!(
        claim(&a, "agregó").speaker,
        vec!["Ministerio de Agricultura de Portugal"]
    );
}

#[test]
fn a_verb_the_lexicons_name_is_its_lemma() {
    // the edit scripts alone read "subrayó" as a form of "subraer"
    let a = annotate("La Cancillería portuguesa subrayó que el tratado de aguas sigue vigente.");
    let c = claim(&a, "subrayó");
    assert_eq!(c.speaker, vec!["Portugal"]);
}

#[test]
fn a_relative_que_tagged_as_a_conjunction_stands_for_its_noun() {
    let a = annotate(
        "«El ayuntamiento pagará la obra», ha confirmado la ministra Elena Marín, que ha subrayado que Portugal tiene fondos suficientes.",
    );
    let c = claim(&a, "subrayado");
    assert_eq!(c.speaker, vec!["Elena Marín"]);
}

#[test]
fn adhesion_to_a_concept_supports_it() {
    let a = annotate("Tomás Vidal reiteró la adhesión de Portugal al libre comercio.");
    let c = claim(&a, "reiteró");
    expect_stance(c, "libre comercio", Polarity::Support);
}

#[test]
fn a_quotation_of_several_sentences_is_one_claim_with_its_nested_positions() {
    let a = annotate(
        "Tomás Vidal dijo: «La cosecha fue escasa este año. Portugal desea comprar más trigo a Noruega durante el invierno».",
    );
    let c = claim(&a, "dijo");
    assert_eq!(c.speaker, vec!["Tomás Vidal"]);
    assert!(
        c.content.starts_with("La cosecha fue") && c.content.ends_with("durante el invierno"),
        "{}",
        c.content
    );
    let nested = claim(&a, "desea");
    assert_eq!(nested.speaker, vec!["Portugal"]);
    // the sentences inside the quotation are no claims of their own
    assert!(
        a.claims
            .iter()
            .all(|c| c.mode != portavoz::Mode::Continuation),
        "{:#?}",
        a.claims
    );
    let a = annotate("«Queremos paz. Y la tendremos pronto», afirmó la ministra Elena Marín.");
    let c = claim(&a, "afirmó");
    assert_eq!(c.speaker, vec!["Elena Marín"]);
    assert_eq!(c.content, "Queremos paz. Y la tendremos pronto");
}

#[test]
fn a_purpose_infinitive_after_the_object_is_no_content() {
    let a =
        annotate("Portugal ha propuesto un fondo común a sus vecinos para reparar las carreteras.");
    let c = claim(&a, "propuesto");
    assert!(c.content.starts_with("un fondo común"), "{}", c.content);
    expect_stance(c, "fondo común", Polarity::Support);
}

#[test]
fn a_controlled_infinitive_judges_its_governor_subject() {
    let a = annotate("Tomás Vidal dijo que Noruega quiere imponer sus cuotas con prepotencia.");
    let c = claim(&a, "dijo");
    expect_stance(c, "Noruega", Polarity::Oppose);
}

#[test]
fn a_source_after_segun_and_its_verb_is_the_speaker() {
    let a = annotate(
        "La ministra Elena Marín elogió a Noruega. El embajador de Noruega, Lars Berg, ha calificado de «inaceptables» las quejas de Marín, según ha publicado el diario local Nordpost. «Nadie se las cree», ha añadido.",
    );
    assert_eq!(claim(&a, "publicado").speaker, vec!["Nordpost"]);
    // the medium quoted on the way does not take over the zero subject
    assert_eq!(claim(&a, "añadido").speaker, vec!["Lars Berg"]);
    // a predicative the parse hung on the verb still judges the object
    let c = claim(&a, "calificado");
    expect_stance(c, "Marín", Polarity::Oppose);
}

#[test]
fn a_state_body_named_alone_is_that_of_the_person_speaking() {
    let a = annotate(
        "El ministro portugués, Tomás Vidal, visitó la feria de Oporto. Vidal ha subrayado que las ventas crecieron. Además, el Gobierno manifestó que Portugal bajará el impuesto del gasóleo.",
    );
    assert_eq!(claim(&a, "manifestó").speaker, vec!["Portugal"]);
}

#[test]
fn an_infinitive_of_saying_under_a_zero_subject_cue_is_that_speaker() {
    let a = annotate(
        "Lars Berg criticó a Marín. «El presupuesto no alcanza», ha añadido, antes de advertir de que Marín «tendrá que dimitir».",
    );
    let c = claim(&a, "advertir");
    assert_eq!(c.speaker, vec!["Lars Berg"]);
    assert!(c.content.starts_with("Marín"), "{}", c.content);
}

#[test]
fn a_purpose_clause_after_the_complement_is_no_content() {
    let a = annotate(
        "Tomás Vidal pidió apoyo a los alcaldes para que terminen las obras antes de junio.",
    );
    let c = claim(&a, "pidió");
    assert!(c.content.contains("apoyo a los alcaldes"), "{}", c.content);
}

#[test]
fn a_pair_agreeing_inside_a_quotation_is_a_claim_of_the_pair() {
    let a = annotate(
        "El alcalde Tomás Vidal se reunió con su homólogo de Oslo, Lars Berg. «Además, coincidieron en abrir una línea de ferry entre las dos ciudades», señaló la Presidencia de la República.",
    );
    let c = claim(&a, "coincidieron");
    let mut pair = c.speaker.clone();
    pair.sort();
    assert_eq!(pair, vec!["Lars Berg", "Tomás Vidal"]);
    assert_eq!(
        claim(&a, "señaló").speaker,
        vec!["Presidencia de la República"]
    );
}

#[test]
fn an_unclosed_quotation_mark_does_not_silence_the_paragraph() {
    let a = annotate(
        "Tomás Vidal dijo que \"la cumbre fue útil para todos. Ana Ruiz aseguró después que Portugal apoya el acuerdo.",
    );
    let c = claim(&a, "aseguró");
    assert_eq!(c.speaker, vec!["Ana Ruiz"]);
}

#[test]
fn a_cue_set_off_after_a_document_spoke_is_the_publishers() {
    let a = annotate(
        "Las dos partes pidieron más controles en la frontera, subrayó el comunicado de la Presidencia portuguesa. Exigieron también patrullas conjuntas en los puertos, agregó.",
    );
    assert_eq!(claim(&a, "subrayó").speaker, vec!["Portugal"]);
    assert_eq!(claim(&a, "agregó").speaker, vec!["Portugal"]);
}

#[test]
fn a_feminine_adjective_of_position_is_found_by_its_dictionary_form() {
    let a = annotate(
        "La ministra Elena Marín aseguró que Portugal está abierta a conversaciones con Marruecos sobre la pesca.",
    );
    let c = claim(&a, "abierta");
    assert_eq!(c.speaker, vec!["Portugal"]);
    expect_stance(c, "Marruecos", Polarity::Support);
}

#[test]
fn an_adjective_of_position_takes_the_complement_hung_on_its_copular_verb() {
    let a = annotate("La ministra Elena Marín se mostró partidaria de una reforma fiscal.");
    expect_stance(claim(&a, "partidaria"), "reforma fiscal", Polarity::Support);
}

#[test]
fn a_general_noun_alone_is_no_concept_target() {
    let a = annotate(
        "El portavoz Luis Prado dijo que su gobierno apoya las medidas y rechaza los acuerdos.",
    );
    let c = claim(&a, "dijo");
    assert!(c.stances.is_empty(), "{:?}", c.stances);
    let a = annotate("El portavoz Luis Prado dijo que su gobierno apoya las medidas sanitarias.");
    expect_stance(claim(&a, "dijo"), "medidas sanitarias", Polarity::Support);
}

#[test]
fn a_complement_right_after_a_stance_noun_is_its_own_wherever_the_parse_hung_it() {
    let a = annotate(
        "El presidente sueco, Luis Prado, reiteró ayer su firme rechazo al cierre de las fronteras del norte.",
    );
    expect_stance(claim(&a, "reiteró"), "cierre de fronteras", Polarity::Oppose);
    let a = annotate(
        "Las ministras Ana Soler y Marta Gil defendieron la necesidad de aplicar la suspensión total de las capturas en la región.",
    );
    let c = claim(&a, "defendieron");
    assert!(c.content.contains("suspensión total"), "{}", c.content);
    expect_stance(c, "suspensión total", Polarity::Support);
}

#[test]
fn a_state_position_quoted_after_a_colon_keeps_the_subject_right_before_its_verb() {
    let a = annotate(
        "La ministra Ana Soler añadió que «lo digo sin rodeos: el Gobierno de Portugal rechaza las acusaciones falsas de Marruecos»."
    );
    let c = claim(&a, "rechaza");
    assert_eq!(c.speaker, vec!["Portugal"]);
    expect_stance(c, "Marruecos", Polarity::Oppose);
}

#[test]
fn a_quoted_state_position_goes_on_through_coordination_and_a_clause_of_saying() {
    let a = annotate(
        "«El Gobierno de Portugal votó en contra del plan y ha explicado que considera que el acuerdo perjudica a su flota», recalcó la ministra Ana Soler."
    );
    assert_eq!(claim(&a, "ha explicado").speaker, vec!["Portugal"]);
    assert_eq!(claim(&a, "considera").speaker, vec!["Portugal"]);
}

#[test]
fn a_verb_of_stance_with_an_event_as_object_judges_it() {
    let a = annotate("El presidente Luis Prado calificó de «decepcionante» la cumbre de Oslo.");
    assert_eq!(claim(&a, "calificó").speaker, vec!["Luis Prado"]);
    let a = annotate("El presidente Luis Prado celebró una reunión con su homólogo.");
    assert!(a.claims.is_empty(), "{:?}", a.claims);
    let a = annotate("La ministra Ana Soler dijo que Lisboa acoge la sede de la agencia.");
    refute_stance(claim(&a, "dijo"), "sede", Polarity::Support);
}

#[test]
fn a_subjunctive_after_despues_de_que_tells_what_was_said() {
    let a = annotate(
        "La reunión terminó después de que la ministra Ana Soler anunciara que el puerto reabrirá en mayo.",
    );
    let c = claim(&a, "anunciara");
    assert_eq!(c.speaker, vec!["Ana Soler"]);
    assert!(c.content.starts_with("el puerto"), "{}", c.content);
    let a = annotate("Es posible que la ministra Ana Soler anunciara ayer la fecha de la próxima ronda.");
    assert!(a.claims.iter().all(|c| c.cue.as_deref() != Some("anunciara")), "{:?}", a.claims);
}

#[test]
fn an_organization_named_again_without_its_state_is_the_one_named_in_full() {
    let a = annotate(
        "El Ministerio de Agricultura de Portugal anunció nuevas cuotas de pesca. Según un comunicado del Ministerio de Agricultura, las cuotas entrarán en vigor en mayo.",
    );
    assert_eq!(claim(&a, "Según").speaker, vec!["Ministerio de Agricultura de Portugal"]);
    // two states' ministries: the short name stays as written
    let a = annotate(
        "El Ministerio de Agricultura de Portugal y el Ministerio de Agricultura de España firmaron un acuerdo. Según el Ministerio de Agricultura, las cuotas entrarán en vigor en mayo.",
    );
    assert_eq!(claim(&a, "Según").speaker, vec!["Ministerio de Agricultura"]);
}

#[test]
fn a_quoted_word_is_no_subject_of_the_verb_that_introduces_the_quotation() {
    let a = annotate(
        "La ministra sueca Ana Berg se reunió con el primer ministro chino, Chen Bo. Chen, por su parte, dijo: «Confío en que podamos resolver las diferencias».",
    );
    assert_eq!(claim(&a, "dijo").speaker, vec!["Chen Bo"]);
}

#[test]
fn an_infinitive_of_saying_with_an_object_after_al_or_to_an_addressee_is_a_claim() {
    let a = annotate(
        "Al recordar los acuerdos pesqueros de 2019, Holm subrayó que el convenio sigue vigente.",
    );
    assert_eq!(claim(&a, "recordar").speaker, vec!["Holm"]);
    let a = annotate(
        "Holm llamó ayer a la primera ministra, Ana Berg, para transmitirle el apoyo de Noruega a Suecia tras las inundaciones.",
    );
    let c = claim(&a, "transmitirle");
    assert_eq!(c.speaker, vec!["Holm"]);
    expect_stance(c, "Suecia", Polarity::Support);
    // a purpose with no addressee is no claim
    let a = annotate("Holm viajó a Oslo para explicar la situación.");
    assert!(a.claims.is_empty(), "{:?}", a.claims);
}

#[test]
fn unnamed_sources_make_no_claim_and_a_confirmed_fact_needs_a_clause() {
    let a = annotate(
        "El acuerdo pesquero se firmará en mayo, han informado fuentes diplomáticas a la agencia NTB.",
    );
    assert!(a.claims.is_empty(), "{:?}", a.claims);
    let a = annotate("Suecia no ha confirmado todavía su participación en la feria.");
    assert!(a.claims.is_empty(), "{:?}", a.claims);
    let a = annotate("La visita del primer ministro ha sido confirmada por el portavoz Jan Holm.");
    assert_eq!(claim(&a, "confirmada").speaker, vec!["Jan Holm"]);
    let a = annotate("El portavoz Jan Holm confirmó que la visita se celebrará en mayo.");
    assert_eq!(claim(&a, "confirmó").speaker, vec!["Jan Holm"]);
}

#[test]
fn a_lower_ranked_lemma_script_must_keep_the_first_letter() {
    // ("pidieron" -> "pedir", a verb of position; a script ranked below made it "tener")
    let a = annotate("Los ministros Ana Berg y Jan Holm pidieron más controles en la frontera.");
    assert_eq!(claim(&a, "pidieron").speaker, vec!["Ana Berg", "Jan Holm"]);
}

#[test]
fn a_position_told_inside_someones_words_is_a_claim_only_of_the_tellers_own_side() {
    let a = annotate("La ministra noruega Ana Berg dijo que Noruega rechaza las cuotas de pesca.");
    assert_eq!(claim(&a, "rechaza").speaker, vec!["Noruega"]);
    let a = annotate("La ministra noruega Ana Berg dijo que Suecia rechaza las cuotas de pesca.");
    assert!(a.claims.iter().all(|c| c.speaker != vec!["Suecia"]), "{:?}", a.claims);
    let c = claim(&a, "dijo");
    assert_eq!(c.speaker, vec!["Ana Berg"]);
    // and the other party's stance is not the teller's
    refute_stance(c, "cuotas", Polarity::Oppose);
}

#[test]
fn what_ni_adds_to_a_denied_object_is_denied_too() {
    let a = annotate(
        "El portavoz Jan Holm dijo que Noruega no apoya los aranceles a la madera ni las cuotas de Finlandia sobre el bacalao.",
    );
    let c = claim(&a, "apoya");
    expect_stance(c, "aranceles a madera", Polarity::Oppose);
    expect_stance(c, "cuotas de finlandia", Polarity::Oppose);
}

#[test]
fn what_a_way_out_goes_through_is_wanted() {
    let a = annotate("La ministra Ana Berg dijo que la salida de la crisis pasa por un pacto fiscal.");
    expect_stance(claim(&a, "dijo"), "pacto fiscal", Polarity::Support);
    let a = annotate("La ministra Ana Berg dijo que la salida no pasa por las sanciones.");
    expect_stance(claim(&a, "dijo"), "sanciones", Polarity::Oppose);
    let a = annotate("La ministra Ana Berg dijo que el tren pasa por la capital.");
    assert!(claim(&a, "dijo").stances.is_empty());
}

#[test]
fn standing_on_someones_side_supports_it() {
    let a = annotate("La ministra Ana Berg dijo que Noruega siempre estuvo del lado de la democracia.");
    expect_stance(claim(&a, "dijo"), "democracia", Polarity::Support);
    let a = annotate("La ministra Ana Berg dijo que la sede está al otro lado de la frontera.");
    assert!(claim(&a, "dijo").stances.is_empty());
}

#[test]
fn where_an_object_is_taken_is_no_target() {
    let a = annotate(
        "La ministra Ana Berg dijo que ambos países deben impulsar sus relaciones comerciales a un nivel superior.",
    );
    let c = claim(&a, "dijo");
    expect_stance(c, "relaciones comerciales", Polarity::Support);
    refute_stance(c, "nivel", Polarity::Support);
}

#[test]
fn a_relation_kept_with_a_partner_in_its_relative_clause_judges_that_partner() {
    let a = annotate("El canciller Jan Holm destacó la buena relación que Noruega tiene con Islandia.");
    expect_stance(claim(&a, "destacó"), "Islandia", Polarity::Support);
}

#[test]
fn a_list_of_positions_gives_each_its_own_object() {
    let a = annotate(
        "Las ministras Ana Berg y Marta Gil ampliarán las becas, respaldarán a los pescadores, se opondrán a las cuotas y protegerán los puertos.",
    );
    let c = claim(&a, "se opondrán");
    assert!(!c.content.contains("pescadores"), "{}", c.content);
    expect_stance(c, "cuotas", Polarity::Oppose);
    refute_stance(c, "pescadores", Polarity::Support);
}

#[test]
fn a_noun_the_parse_split_off_a_concept_stays_in_it() {
    let a = annotate("La ministra Ana Berg respaldó la prórroga del alto el fuego en la región.");
    expect_stance(claim(&a, "respaldó"), "alto fuego", Polarity::Support);
}

#[test]
fn the_narrators_sentences_about_others_or_the_meeting_are_no_continuation() {
    let a = annotate(
        "La ministra Ana Berg dijo que la cumbre fue un éxito. La reunión duró tres horas.",
    );
    assert_eq!(a.claims.len(), 1, "{:?}", a.claims);
    let a = annotate(
        "La ministra Ana Berg dijo que la cumbre fue un éxito. No obstante, el primer ministro Jan Holm viajó a Oslo al día siguiente.",
    );
    assert_eq!(a.claims.len(), 1, "{:?}", a.claims);
    let a = annotate(
        "La ministra Ana Berg dijo que la cumbre fue un éxito. Los dos países ampliarán la cooperación en la pesca.",
    );
    assert_eq!(a.claims.len(), 2, "{:?}", a.claims);
}

#[test]
fn a_gerund_before_the_verb_of_saying_tells_how_the_claim_was_made() {
    let a = annotate("Citando las cifras oficiales de Suecia, el ministro Jan Holm afirmó que la pesca ha caído.");
    assert_eq!(a.claims.len(), 1, "{:?}", a.claims);
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Jan Holm"]);
}

#[test]
fn the_noun_a_relative_clause_set_off_before_the_verb_is_about_is_its_subject() {
    let a = annotate(
        "Tras la votación en el Parlamento, el ministro de Pesca de Noruega, Jan Holm, quien dirige la comisión desde enero, aseguró que las cuotas bajarán.",
    );
    assert_eq!(claim(&a, "aseguró").speaker, vec!["Jan Holm"]);
}

#[test]
fn a_day_taken_for_an_object_is_no_target() {
    let a = annotate(
        "La portavoz Ana Berg criticó el lunes los comentarios del ministro sueco, Per Ek, defendiendo el derecho de Noruega a pescar en el Ártico.",
    );
    let c = claim(&a, "criticó");
    refute_stance(c, "lunes", Polarity::Oppose);
    // (a stance toward someone's words is one toward whose they are)
    expect_stance(c, "Per Ek", Polarity::Oppose);
}

#[test]
fn agreeing_with_a_copular_verb_is_a_position_of_its_subject() {
    let a = annotate("El ministro Jan Holm dijo que la pesca es clave. Suecia está totalmente de acuerdo con esa propuesta.");
    assert_eq!(claim(&a, "acuerdo").speaker, vec!["Suecia"]);
    // "de acuerdo con X" at the head of a sentence still names a source
    let a = annotate("De acuerdo con el ministro Jan Holm, la pesca es clave.");
    assert_eq!(claim(&a, "De acuerdo con").speaker, vec!["Jan Holm"]);
}

#[test]
fn heads_of_state_told_of_by_two_ministers_are_their_states() {
    let a = annotate(
        "La canciller danesa, Ida Lund, recibió en Copenhague a su homólogo islandés, Ari Sveinsson. Los dos jefes de Estado acordaron el martes ampliar la cuota pesquera del Atlántico norte.",
    );
    assert_eq!(claim(&a, "acordaron").speaker, vec!["Dinamarca", "Islandia"]);
    let a = annotate(
        "La presidenta danesa, Ida Lund, recibió en Copenhague a su homólogo islandés, Ari Sveinsson. Los dos presidentes acordaron el martes ampliar la cuota pesquera del Atlántico norte.",
    );
    assert_eq!(claim(&a, "acordaron").speaker, vec!["Ida Lund", "Ari Sveinsson"]);
}

#[test]
fn a_gerund_coordinated_with_a_gerund_shares_its_subject() {
    let a = annotate(
        "Tras una larga jornada en la que el Parlamento aprobó el presupuesto, la primera ministra Ida Lund compareció ante la prensa, elogiando el trabajo de los diputados y advirtiendo que el déficit seguirá bajo control.",
    );
    assert_eq!(claim(&a, "advirtiendo").speaker, vec!["Ida Lund"]);
}

#[test]
fn according_to_his_words_is_the_one_speaking() {
    let a = annotate(
        "El ministro Jan Holm dijo que la pesca es clave para su país. De acuerdo con sus palabras, la flota sueca pesca por encima del límite.",
    );
    assert_eq!(claim(&a, "De acuerdo con").speaker, vec!["Jan Holm"]);
    let a = annotate(
        "El ministro Jan Holm dijo que la pesca es clave para su país. Según sus declaraciones, la flota sueca pesca por encima del límite.",
    );
    assert_eq!(claim(&a, "Según").speaker, vec!["Jan Holm"]);
}

#[test]
fn what_a_position_leaves_out_with_sin_and_all_that_is_fought_against() {
    let a = annotate(
        "La ministra Ana Berg dijo que Dinamarca está abierta a un acuerdo pesquero con Noruega, pero sin recortes de cuotas.",
    );
    expect_stance(claim(&a, "abierta"), "recortes de cuotas", Polarity::Oppose);
    let a = annotate(
        "Los ministros Jan Holm y Ana Berg pidieron más lucha contra la pesca ilegal y el contrabando de armas.",
    );
    let c = claim(&a, "pidieron");
    expect_stance(c, "pesca ilegal", Polarity::Oppose);
    expect_stance(c, "contrabando de armas", Polarity::Oppose);
}

#[test]
fn a_dateline_is_no_subject() {
    let a = annotate(
        "Tromsø, 14 mar (NTB).- El ministro Jan Holm dijo que Noruega apoya el tratado pesquero.",
    );
    let c = claim(&a, "dijo");
    assert_eq!(c.speaker, vec!["Jan Holm"]);
    assert!(c.content.starts_with("Noruega apoya"), "{}", c.content);
}

#[test]
fn an_explicative_relative_pronoun_stands_for_the_phrase_before_its_comma() {
    let a = annotate(
        "El ministro Jan Holm visitó el puerto. «La flota volverá en mayo», dijo Holm, quien añadió que la temporada fue buena.",
    );
    let c = claim(&a, "añadió");
    assert_eq!(c.speaker, vec!["Jan Holm"]);
    assert!(c.content.contains("la temporada fue buena"), "{}", c.content);
}

#[test]
fn the_subject_agrees_with_its_verb_and_stays_outside_its_que_clause() {
    let a = annotate(
        "La enviada especial del Gobierno noruego para el Ártico, Ida Lund, ha calificado de «lamentables» las declaraciones del ministro Jan Holm.",
    );
    let c = claim(&a, "calificado");
    assert_eq!(c.speaker, vec!["Ida Lund"]);
    expect_stance(c, "Jan Holm", Polarity::Oppose);
    let a = annotate(
        "Poco después, la Secretaría de Pesca de Noruega confirmó en un comunicado que la reunión fue útil.",
    );
    let c = claim(&a, "confirmó");
    assert_eq!(c.speaker, vec!["Secretaría de Pesca de Noruega"]);
    assert!(c.content.starts_with("la reunión fue útil"), "{}", c.content);
}

#[test]
fn a_position_to_act_with_a_partner_keeps_its_whole_predicate() {
    let a = annotate(
        "La ministra Ida Lund dijo que Noruega está dispuesta a trabajar con Suecia para proteger los bosques del norte.",
    );
    let c = claim(&a, "dispuesta");
    expect_stance(c, "Suecia", Polarity::Support);
    assert!(c.content.contains("proteger los bosques"), "{}", c.content);
    let a = annotate(
        "Los ministros Jan Holm y Ana Berg apoyaron el cese completo del alto el fuego en la región.",
    );
    // (concepts are written without articles: "alto el fuego" is "alto fuego" in them)
    expect_stance(claim(&a, "apoyaron"), "de alto fuego", Polarity::Support);
}

#[test]
fn a_contra_phrase_after_the_object_belongs_to_it() {
    let a = annotate(
        "La ministra Ida Lund dijo que Noruega no aprueba las «sanciones unilaterales» contra Islandia.",
    );
    let c = claim(&a, "dijo");
    expect_stance(c, "sanciones unilaterales", Polarity::Oppose);
    refute_stance(c, "Islandia", Polarity::Oppose);
}

#[test]
fn a_quoted_verb_coordinated_with_one_outside_goes_with_the_quotation() {
    let a = annotate(
        "Holm enfatizó que «el Gobierno de Noruega ha tenido una posición muy clara sobre la pesca y ha subrayado que cree que la salida pasa por el diálogo».",
    );
    let c = claim(&a, "subrayado");
    assert_eq!(c.speaker, vec!["Noruega"]);
    expect_stance(c, "diálogo", Polarity::Support);
}

#[test]
fn a_gerund_set_off_after_what_someone_said_is_the_sayers() {
    let a = annotate(
        "El embajador Jan Holm dijo que Noruega mantendrá su flota en la zona durante el tiempo que sea necesario, acusando a Islandia de violar el acuerdo pesquero.",
    );
    let c = claim(&a, "acusando");
    assert_eq!(c.speaker, vec!["Jan Holm"]);
    expect_stance(c, "Islandia", Polarity::Oppose);
}

#[test]
fn what_follows_a_que_clause_under_the_cue_is_still_the_clause() {
    let a = annotate(
        "El ministro Jan Holm enfatizó que es necesario oponerse resueltamente a las acciones de Islandia que dañan la pesca y defender el derecho del mar.",
    );
    let c = claim(&a, "enfatizó");
    assert!(c.content.contains("oponerse resueltamente a las acciones"), "{}", c.content);
    expect_stance(c, "Islandia", Polarity::Oppose);
}

#[test]
fn agreeing_deeply_is_a_position_not_a_source() {
    let a = annotate("Noruega está profundamente de acuerdo con la propuesta, dijo el canciller Jan Holm.");
    let c = claim(&a, "acuerdo");
    assert_eq!(c.speaker, vec!["Noruega"]);
    assert!(c.content.contains("la propuesta"), "{}", c.content);
    assert_eq!(claim(&a, "dijo").speaker, vec!["Jan Holm"]);
}

#[test]
fn an_opening_al_infinitive_has_the_main_verbs_subject() {
    let a = annotate(
        "Al indicar en una rueda de prensa que la temporada de pesca seguirá abierta, el portavoz Jan Holm dijo que Noruega e Islandia firmarán un acuerdo.",
    );
    assert_eq!(claim(&a, "indicar").speaker, vec!["Jan Holm"]);
    assert_eq!(claim(&a, "dijo").speaker, vec!["Jan Holm"]);
}

#[test]
fn a_noun_repeated_around_con_says_how_and_is_no_target() {
    let a = annotate("El ministro Jan Holm enfatizó que Noruega e Islandia lucharon codo con codo contra la pesca ilegal.");
    let c = claim(&a, "enfatizó");
    assert!(c.stances.iter().all(|s| !s.target.contains("codo")), "{:?}", c.stances);
    expect_stance(c, "pesca ilegal", Polarity::Oppose);
}

#[test]
fn unnamed_sources_telling_an_agency_make_no_claim() {
    let a = annotate(
        "El ministro Jan Holm se reunió ayer con su homóloga para hablar de la pesca, han informado fuentes diplomáticas a la agencia NTB.",
    );
    assert!(
        a.claims.iter().all(|c| c.speaker.iter().all(|s| !s.contains("NTB"))),
        "{:#?}",
        a.claims
    );
}

#[test]
fn con_after_a_stance_verbs_object_tells_with_what() {
    let a = annotate("La ministra Ida Lund dijo que Noruega apoyará a Islandia con fondos y barcos.");
    let c = claim(&a, "dijo");
    expect_stance(c, "Islandia", Polarity::Support);
    refute_stance(c, "fondos", Polarity::Support);
    let a = annotate("La ministra Ida Lund dijo que Noruega apoyará a los pescadores del norte con una postura firme.");
    refute_stance(claim(&a, "dijo"), "postura firme", Polarity::Support);
}

#[test]
fn a_noun_coordinated_only_with_adjectives_is_no_concept() {
    let a = annotate(
        "El ministro Jan Holm reiteró el firme compromiso de Noruega de apoyar una pronta, duradera y pacífica solución del conflicto.",
    );
    let c = claim(&a, "reiteró");
    assert!(c.stances.iter().all(|s| s.target != "pronta"), "{:?}", c.stances);
    expect_stance(c, "solución", Polarity::Support);
}

#[test]
fn a_favor_de_and_en_contra_de_take_a_side() {
    let a = annotate("La diputada Irene Solís votó en contra de la reforma fiscal.");
    let c = claim(&a, "votó");
    assert_eq!(c.speaker, vec!["Irene Solís"]);
    expect_stance(c, "reforma fiscal", Polarity::Oppose);
    let a = annotate("El ministro Hugo Varela se pronunció a favor de la ampliación del puerto.");
    expect_stance(claim(&a, "pronunció"), "ampliación", Polarity::Support);
    let a = annotate("La senadora Irene Solís no está a favor de las nuevas tarifas.");
    expect_stance(claim(&a, "está"), "tarifas", Polarity::Oppose);
}

#[test]
fn an_ending_asked_for_opposes_what_ends() {
    let a = annotate("La canciller Irene Solís exigió el fin de los bombardeos sobre la capital.");
    let c = claim(&a, "exigió");
    expect_stance(c, "bombardeos", Polarity::Oppose);
    refute_stance(c, "fin", Polarity::Support);
    let a = annotate("El ministro Hugo Varela pidió poner fin a la guerra comercial.");
    expect_stance(claim(&a, "pidió"), "guerra comercial", Polarity::Oppose);
    let a = annotate("Hugo Varela rechazó el levantamiento de las sanciones económicas.");
    let c = claim(&a, "rechazó");
    expect_stance(c, "sanciones económicas", Polarity::Support);
    refute_stance(c, "levantamiento", Polarity::Oppose);
}

#[test]
fn a_denied_permission_opposes_its_object() {
    let a = annotate("Irene Solís afirmó que nunca permitirá la instalación de bases extranjeras.");
    expect_stance(claim(&a, "afirmó"), "instalación de bases", Polarity::Oppose);
    let a = annotate("Irene Solís afirmó que permitirá la entrada de observadores.");
    assert!(claim(&a, "afirmó").stances.is_empty(), "allowing, not denied, is no stance");
}

#[test]
fn a_judgment_said_of_a_thing_is_a_stance_toward_it() {
    let a = annotate("El ministro Hugo Varela calificó de inaceptable la detención de los reporteros.");
    expect_stance(claim(&a, "calificó"), "detención de reporteros", Polarity::Oppose);
    let a = annotate("Irene Solís dijo que el cierre de la frontera es ilegal.");
    expect_stance(claim(&a, "dijo"), "cierre de frontera", Polarity::Oppose);
}

#[test]
fn a_verb_with_a_noun_of_attitude_states_a_position_when_no_reading_fits() {
    let a = annotate("El alcalde Hugo Varela dio su respaldo al proyecto de la nueva biblioteca.");
    let c = claim(&a, "dio");
    assert_eq!(c.speaker, vec!["Hugo Varela"]);
    expect_stance(c, "proyecto", Polarity::Support);
}

#[test]
fn thanks_for_a_partys_help_support_that_party() {
    let a = annotate("El presidente Hugo Varela agradeció la ayuda de Islandia tras el terremoto.");
    let c = claim(&a, "agradeció");
    expect_stance(c, "Islandia", Polarity::Support);
    assert!(!c.stances.iter().any(|s| s.target == "ayuda"), "{:?}", c.stances);
}

#[test]
fn a_possessed_de_phrase_is_whose_stance_it_is() {
    let a = annotate("Hugo Varela reiteró la condena de su Gobierno al bloqueo del estrecho.");
    let c = claim(&a, "reiteró");
    expect_stance(c, "bloqueo", Polarity::Oppose);
    assert!(!c.stances.iter().any(|s| s.target.contains("gobierno")), "{:?}", c.stances);
}

#[test]
fn a_subjunctive_compound_tense_tells_no_words() {
    let a = annotate("Hugo Varela lamentó que Islandia no haya cumplido sus compromisos.");
    assert_eq!(a.claims.len(), 1, "{:#?}", a.claims);
    assert_eq!(a.claims[0].speaker, vec!["Hugo Varela"]);
}

#[test]
fn a_noun_of_attitude_read_as_a_predicative_states_a_position() {
    let a = annotate("Irene Solís mostró su malestar con Islandia por las nuevas cuotas pesqueras.");
    let c = claim(&a, "mostró");
    assert_eq!(c.speaker, vec!["Irene Solís"]);
    expect_stance(c, "Islandia", Polarity::Oppose);
}

#[test]
fn answering_something_is_no_claim_without_a_clause_or_quotation() {
    let a = annotate("El portavoz Yuri Varga advirtió que su país responderá a cualquier provocación.");
    assert_eq!(a.claims.len(), 1, "{:#?}", a.claims);
    let a = annotate("El portavoz Yuri Varga respondió que su país no aceptará presiones.");
    assert_eq!(claim(&a, "respondió").speaker, vec!["Yuri Varga"]);
}

#[test]
fn an_act_of_ending_asked_for_opposes_what_it_ends() {
    let a = annotate("La ministra Irene Solís instó a Islandia a levantar las cuotas pesqueras.");
    expect_stance(claim(&a, "instó"), "cuotas pesqueras", Polarity::Oppose);
    let a = annotate("El canciller Hugo Varela exigió que cesen los bombardeos sobre la capital.");
    expect_stance(claim(&a, "exigió"), "bombardeos", Polarity::Oppose);
    // the purpose of something else is no ending asked for
    let a = annotate("Hugo Varela propuso un fondo común para frenar la inflación.");
    refute_stance(claim(&a, "propuso"), "inflación", Polarity::Oppose);
}

#[test]
fn a_name_in_a_concept_keeps_all_its_words() {
    let a = annotate("El ministro Hugo Varela respaldó la candidatura de Irene Solís a la presidencia del banco.");
    let c = claim(&a, "respaldó");
    expect_stance(c, "Irene Solís", Polarity::Support);
    assert!(!c.stances.iter().any(|s| s.target.ends_with(" de irene")), "{:?}", c.stances);
}

#[test]
fn ambos_alone_names_the_two_persons() {
    let a = annotate(
        "La canciller Irene Solís se reunió con su homólogo Hugo Varela. Ambos condenaron la piratería en todas sus formas.",
    );
    let c = claim(&a, "condenaron");
    let mut speakers = c.speaker.clone();
    speakers.sort();
    assert_eq!(speakers, vec!["Hugo Varela", "Irene Solís"]);
}

#[test]
fn a_gerund_hung_on_a_stance_noun_leaves_its_owner_the_target() {
    let a = annotate("Irene Solís rechazó las críticas de Islandia, calificándolas de infundadas.");
    expect_stance(claim(&a, "rechazó"), "Islandia", Polarity::Oppose);
}

#[test]
fn an_event_judged_is_no_stance() {
    let a = annotate("Irene Solís dijo que la cumbre fue un éxito.");
    assert!(claim(&a, "dijo").stances.is_empty(), "{:?}", claim(&a, "dijo").stances);
}

#[test]
fn a_seat_of_government_speaks_for_its_state() {
    let a = annotate("El Elíseo advirtió que no firmará el tratado sin garantías.");
    assert_eq!(claim(&a, "advirtió").speaker, vec!["Francia"]);
    let a = annotate("Según la Casa Rosada, las reservas crecerán este año.");
    assert_eq!(a.claims.first().map(|c| c.speaker.clone()), Some(vec!["Argentina".to_string()]), "{:#?}", a.claims);
}

#[test]
fn a_word_quoted_for_emphasis_is_no_quotation() {
    let a = annotate("La cancillería islandesa rechazó \"tajantemente\" las declaraciones del ministro noruego, Jon Berg.");
    let c = claim(&a, "rechazó");
    assert!(c.content.starts_with("las declaraciones"), "{}", c.content);
    // whose words they are, named by the apposition, and no concept of the words
    expect_stance(c, "Jon Berg", Polarity::Oppose);
    assert!(!c.stances.iter().any(|s| s.target.contains("declaraciones")), "{:?}", c.stances);
}

#[test]
fn an_ambiguous_capital_speaks_for_its_state_when_the_document_names_it() {
    let a = annotate("El Gobierno de Chile expresó su rechazo a la medida. Santiago considera que la decisión viola el tratado.");
    assert_eq!(claim(&a, "considera").speaker, vec!["Chile"]);
}

#[test]
fn an_organizations_common_noun_names_the_one_named_before_when_none_spoke() {
    let a = annotate("La Oficina Federal de Aduanas de Suiza publicó un informe. La dependencia subrayó que las exportaciones crecieron.");
    assert_eq!(claim(&a, "subrayó").speaker, vec!["Oficina Federal de Aduanas de Suiza"]);
}

#[test]
fn recognition_denied_opposes_its_object_and_is_no_claim_of_its_own() {
    let a = annotate("La ministra Irene Solís aseguró que Islandia jamás reconocerá la anexión del archipiélago.");
    assert_eq!(a.claims.len(), 1, "{:#?}", a.claims);
    expect_stance(claim(&a, "aseguró"), "anexión", Polarity::Oppose);
}

#[test]
fn an_attempt_alone_is_no_concept_and_an_ending_opposed_supports_what_it_ends() {
    let a = annotate("Irene Solís rechazó cualquier intento de cerrar el puerto.");
    refute_stance(claim(&a, "rechazó"), "intento", Polarity::Oppose);
    let a = annotate("Irene Solís se opuso a retirar las tropas de la frontera.");
    let c = claim(&a, "opuso");
    expect_stance(c, "tropas", Polarity::Support);
    refute_stance(c, "retirada", Polarity::Oppose);
}

#[test]
fn an_infinitive_after_the_object_is_the_objects() {
    let a = annotate("Irene Solís defendió el derecho de los pescadores a faenar en aguas comunes.");
    let c = claim(&a, "defendió");
    assert!(c.content.starts_with("el derecho"), "{}", c.content);
}

#[test]
fn a_day_read_as_the_object_does_not_hide_the_que_clause() {
    let a = annotate("La comisaria Irene Solís ha reconocido este sábado que la división sobre las cuotas es un problema serio.");
    let c = claim(&a, "reconocido");
    assert!(c.content.starts_with("la división"), "{}", c.content);
}

#[test]
fn a_call_made_is_a_position() {
    let a = annotate("La ministra Irene Solís hizo un llamamiento a los países vecinos para proteger los humedales.");
    assert_eq!(claim(&a, "hizo").speaker, vec!["Irene Solís"]);
}

#[test]
fn the_agent_of_a_hostile_act_told_by_a_participle_is_opposed() {
    let a = annotate("Hugo Varela denunció el embargo impuesto por Islandia contra los pesqueros noruegos.");
    expect_stance(claim(&a, "denunció"), "Islandia", Polarity::Oppose);
}

#[test]
fn a_speakers_own_threat_opposes_whom_it_is_against() {
    let a = annotate("El presidente Hugo Varela amenazó con una intervención militar contra Islandia.");
    expect_stance(claim(&a, "amenazó"), "Islandia", Polarity::Oppose);
}

#[test]
fn a_position_takes_every_infinitive_of_its_list() {
    let a = annotate(
        "Tomás Vidal dijo que la parte portuguesa está dispuesta a revisar el calendario del acuerdo firmado por los dos gobiernos, apoyar el fortalecimiento de la cooperación pesquera y promover el turismo.",
    );
    let c = claim(&a, "dispuesta");
    assert!(c.content.contains("promover el turismo"), "{}", c.content);
    expect_stance(c, "cooperación pesquera", Polarity::Support);
}

#[test]
fn a_coordinated_predicate_judges_the_first_ones_subject() {
    let a = annotate("Ana Ruiz respondió que los dichos de Hugo Varela son calumniosos e irresponsables.");
    let c = claim(&a, "respondió");
    expect_stance(c, "Hugo Varela", Polarity::Oppose);
    // words judged are their speaker's, not a concept of the claim
    let a = annotate("Ana Ruiz respondió que sus dichos son irresponsables.");
    let c = claim(&a, "respondió");
    refute_stance(c, "dichos", Polarity::Oppose);
}

#[test]
fn another_persons_stance_noun_is_not_the_speakers() {
    let a = annotate("Ana Ruiz aseguró que las críticas de Hugo Varela a Portugal son inaceptables.");
    let c = claim(&a, "aseguró");
    expect_stance(c, "Hugo Varela", Polarity::Oppose);
    refute_stance(c, "Portugal", Polarity::Oppose);
}

#[test]
fn a_deed_denounced_or_welcomed_in_a_clause_judges_its_doer() {
    let a = annotate("Ana Ruiz denunció que Islandia ha bloqueado la ayuda humanitaria.");
    expect_stance(claim(&a, "denunció"), "Islandia", Polarity::Oppose);
    let a = annotate("Ana Ruiz denunció además que la escasez provocada por Islandia pone en peligro a miles de personas.");
    expect_stance(claim(&a, "denunció"), "Islandia", Polarity::Oppose);
    let a = annotate("Ana Ruiz celebró que Islandia haya firmado el acuerdo.");
    expect_stance(claim(&a, "celebró"), "Islandia", Polarity::Support);
    // a claim denied is no deed judged
    let a = annotate("Ana Ruiz rechazó que Islandia haya violado el acuerdo.");
    refute_stance(claim(&a, "rechazó"), "Islandia", Polarity::Oppose);
}

#[test]
fn a_present_tense_position_verb_is_no_infinitive() {
    // the morphology head may call a rare present form an infinitive; its spelling says it is not
    let a = annotate("Islandia respalda plenamente la iniciativa de paz.");
    let c = claim(&a, "respalda");
    assert_eq!(c.speaker, vec!["Islandia"]);
    expect_stance(c, "iniciativa de paz", Polarity::Support);
}

#[test]
fn a_participle_after_the_noun_stays_in_the_concept() {
    let a = annotate("Irene Solís abogó por una salida negociada.");
    expect_stance(claim(&a, "abogó"), "salida negociada", Polarity::Support);
}

#[test]
fn a_threat_or_a_provocation_said_of_someone_opposes_them() {
    let a = annotate("Hugo Varela afirmó que Noruega es una amenaza para la paz regional.");
    expect_stance(claim(&a, "afirmó"), "Noruega", Polarity::Oppose);
    let a = annotate("Ana Ruiz añadió que la empresa Nordfisk ha manipulado los datos.");
    expect_stance(claim(&a, "añadió"), "Nordfisk", Polarity::Oppose);
}

#[test]
fn a_welcome_to_someones_decision_supports_them() {
    let a = annotate("Irene Solís dio la bienvenida a la decisión de Portugal de reabrir su embajada.");
    expect_stance(claim(&a, "bienvenida"), "Portugal", Polarity::Support);
    // and one to people named by their demonym, their state
    let a = annotate("Islandia da la bienvenida a las empresas portuguesas.");
    let c = claim(&a, "bienvenida");
    expect_stance(c, "Portugal", Polarity::Support);
    refute_stance(c, "empresas", Polarity::Support);
}

#[test]
fn a_role_with_a_name_in_apposition_is_that_person() {
    let a = annotate("Hugo Varela felicitó al presidente portugués, Tomás Vidal, por su reelección.");
    let c = claim(&a, "felicitó");
    expect_stance(c, "Tomás Vidal", Polarity::Support);
}

#[test]
fn a_role_phrase_names_the_one_person_named_before() {
    let a = annotate("Tomás Vidal llegó a Reikiavik el lunes. El canciller portugués afirmó que la visita es importante.");
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Tomás Vidal"]);
}

#[test]
fn an_official_never_named_speaks_for_the_state_or_body() {
    let a = annotate("El jefe de la diplomacia portuguesa afirmó que la visita es importante.");
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Portugal"]);
    let a = annotate("Las autoridades islandesas afirmaron que la frontera permanecerá cerrada.");
    assert_eq!(claim(&a, "afirmaron").speaker, vec!["Islandia"]);
    let a = annotate("El portavoz del Gobierno islandés afirmó que la frontera permanecerá cerrada.");
    assert_eq!(claim(&a, "afirmó").speaker, vec!["Islandia"]);
}

#[test]
fn a_view_given_as_whose_it_is() {
    let a = annotate("A juicio de Irene Solís, la crisis requiere una respuesta conjunta.");
    let c = claim(&a, "A juicio de");
    assert_eq!(c.speaker, vec!["Irene Solís"]);
    assert!(c.content.starts_with("la crisis requiere"), "{}", c.content);
    let a = annotate("En opinión de Tomás Vidal, Noruega debe rectificar.");
    assert_eq!(claim(&a, "En opinión de").speaker, vec!["Tomás Vidal"]);
    let a = annotate("Para Irene Solís, el acuerdo supone un paso histórico.");
    assert_eq!(claim(&a, "Para").speaker, vec!["Irene Solís"]);
    // "para" with no comma after the name is a purpose or a beneficiary
    let a = annotate("Para Irene Solís el viaje fue largo y agotador.");
    assert!(a.claims.is_empty(), "{:?}", a.claims);
}

#[test]
fn verbs_of_ruling_out_and_of_dwelling_on_need_a_clause() {
    let a = annotate("Irene Solís descartó que Islandia vaya a enviar tropas.");
    assert_eq!(claim(&a, "descartó").speaker, vec!["Irene Solís"]);
    let a = annotate("Irene Solís abundó en que la paz requiere compromisos.");
    assert_eq!(claim(&a, "abundó").speaker, vec!["Irene Solís"]);
    let a = annotate("Irene Solís descartó la primera opción.");
    assert!(a.claims.is_empty(), "{:?}", a.claims);
}

#[test]
fn a_verbs_phrase_against_someone_opposes_them() {
    let a = annotate("Irene Solís arremetió contra Noruega por su política pesquera.");
    expect_stance(claim(&a, "arremetió"), "Noruega", Polarity::Oppose);
    let a = annotate("Irene Solís dijo que Islandia votará contra la propuesta de Noruega.");
    expect_stance(claim(&a, "dijo"), "propuesta de noruega", Polarity::Oppose);
    // (not a "contra" phrase of a noun that the parse hung on a later verb)
    let a = annotate("Irene Solís dijo que los ataques de Hugo Varela contra la organización continúan.");
    refute_stance(claim(&a, "dijo"), "organización", Polarity::Oppose);
}

#[test]
fn pronominal_verbs_of_taking_sides_and_sympathy() {
    let a = annotate("Irene Solís se solidarizó con Portugal.");
    expect_stance(claim(&a, "solidarizó"), "Portugal", Polarity::Support);
    let a = annotate("Irene Solís se desmarcó de la postura de Noruega.");
    expect_stance(claim(&a, "desmarcó"), "Noruega", Polarity::Oppose);
    let a = annotate("Irene Solís expresó sus condolencias a Portugal por las víctimas.");
    expect_stance(claim(&a, "expresó"), "Portugal", Polarity::Support);
}

#[test]
fn a_fixed_noun_with_an_article_inside_is_one_target() {
    let a = annotate("Irene Solís se pronunció a favor de un alto el fuego inmediato.");
    expect_stance(claim(&a, "pronunció"), "alto el fuego", Polarity::Support);
}

#[test]
fn what_an_opposed_act_harms_is_supported() {
    let a = annotate("Irene Solís afirmó que Islandia se opone a las medidas que socavan el libre comercio.");
    let c = claim(&a, "afirmó");
    expect_stance(c, "libre comercio", Polarity::Support);
    // not when the clause denies the harm
    let a = annotate("Irene Solís afirmó que Islandia se opone a las medidas que no violan ningún tratado.");
    refute_stance(claim(&a, "afirmó"), "tratado", Polarity::Support);
}

#[test]
fn a_quotation_after_a_colon_is_the_subject_of_the_clause_before_it() {
    let a = annotate("Irene Solís fue tajante: «No habrá acuerdo sin garantías».");
    assert_eq!(a.claims.len(), 1, "{:?}", a.claims);
    assert_eq!(a.claims[0].speaker, vec!["Irene Solís"]);
    assert_eq!(a.claims[0].content, "No habrá acuerdo sin garantías");
    // a verb of saying before the colon is the cue itself, once
    let a = annotate("Irene Solís declaró: «No habrá acuerdo sin garantías».");
    assert_eq!(a.claims.len(), 1, "{:?}", a.claims);
}

#[test]
fn so_said_points_back_to_the_sentence_before() {
    let a = annotate("La paz es posible. Así lo afirmó este lunes la canciller islandesa, Irene Solís.");
    let c = claim(&a, "afirmó");
    assert_eq!(c.speaker, vec!["Irene Solís"]);
    assert_eq!(c.content, "La paz es posible");
    // not across paragraphs
    let a = annotate("La paz es posible.\n\nAsí lo afirmó este lunes la canciller islandesa, Irene Solís.");
    assert!(a.claims.iter().all(|c| c.content != "La paz es posible"), "{:?}", a.claims);
}

#[test]
fn a_clause_after_a_colon_or_after_a_marks_preposition_is_the_content() {
    let a = annotate("Irene Solís lo dejó claro: Islandia no negociará bajo presión.");
    assert_eq!(claim(&a, "dejó").content, "Islandia no negociará bajo presión");
    let a = annotate("Irene Solís se mostró confiada en que el acuerdo se firmará pronto.");
    assert_eq!(claim(&a, "confiada").content, "el acuerdo se firmará pronto");
}

#[test]
fn a_state_body_named_alone_before_anyone_spoke_is_the_last_named_persons_state() {
    let a = annotate("El ministro islandés Hugo Varela viajó a Lisboa. El Gobierno manifestó que Islandia continuará impulsando la relación con Portugal.");
    assert_eq!(claim(&a, "manifestó").speaker, vec!["Islandia"]);
}

#[test]
fn a_verb_coordinated_into_the_clause_in_the_cues_tense_goes_with_the_cue() {
    let a = annotate("Irene Solís advirtió que el conflicto podría escalar rápidamente e instó a la moderación.");
    assert_eq!(claim(&a, "advirtió").content, "el conflicto podría escalar rápidamente");
    assert_eq!(claim(&a, "instó").speaker, vec!["Irene Solís"]);
    // a verb in the clause's own tense stays in the clause
    let a = annotate("Irene Solís considera que los dos países están unidos por la historia y comparten un futuro común.");
    assert!(claim(&a, "considera").content.ends_with("comparten un futuro común"), "{:?}", a.claims);
}
