//! Language data (states, demonyms, capitals, cue verbs, stance words), kept in TSV files
//! next to this module and compiled in with `include_str!`. Parsed once, on first use.
//!
//! Every file has one entry a line, fields separated by tabs, `#` starting a comment line.
use std::collections::{HashMap, HashSet};

use once_cell::sync::Lazy;

use crate::annotation::Polarity;

const STATES: &str = include_str!("states.tsv");
const REPORTING_VERBS: &str = include_str!("reporting_verbs.tsv");
const REPORTING_PHRASES: &str = include_str!("reporting_phrases.tsv");
const POSITION_CUES: &str = include_str!("position_cues.tsv");
const POSITION_VERBS: &str = include_str!("position_verbs.tsv");
const ROLES: &str = include_str!("roles.tsv");
const GROUPS: &str = include_str!("groups.tsv");
const PARTY_NOUNS: &str = include_str!("party_nouns.tsv");
const SOURCES: &str = include_str!("sources.tsv");
const CONCEPTS: &str = include_str!("concepts.tsv");
const STANCE_WORDS: &str = include_str!("stance_words.tsv");
const EVALUATIVE: &str = include_str!("evaluative.tsv");
const ADVERBS: &str = include_str!("adverbs.tsv");
const FUNCTION_WORDS: &str = include_str!("function_words.tsv");
const ABBREVIATIONS: &str = include_str!("abbreviations.tsv");
const SURNAME_FIRST: &str = include_str!("surname_first.tsv");
const MEDIA: &str = include_str!("media.tsv");
const GENERIC_ORGS: &str = include_str!("generic_orgs.tsv");
const CUE_LEMMAS: &str = include_str!("cue_lemmas.tsv");
const STANCE_LEMMAS: &str = include_str!("stance_lemmas.tsv");
const GRAMMAR_WORDS: &str = include_str!("grammar_words.tsv");
const JUDGMENTS: &str = include_str!("judgments.tsv");
const NOMINALIZATIONS: &str = include_str!("nominalizations.tsv");
const ARTICLE_NAMES: &str = include_str!("article_names.tsv");
const REGIONS: &str = include_str!("regions.tsv");
const SEATS: &str = include_str!("seats.tsv");
const TITLES: &str = include_str!("titles.tsv");
const PORTFOLIOS: &str = include_str!("portfolios.tsv");

/// Grammatical number of a verb form or a noun phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Number {
    Sg,
    Pl,
    /// Gerunds, infinitives: agree with anything.
    Any,
}

impl Number {
    pub fn agrees(self, other: Number) -> bool {
        self == Number::Any || other == Number::Any || self == other
    }
}

/// What a verb form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormKind {
    Finite,
    Participle,
    Gerund,
    Infinitive,
}

/// One surface form of a verb.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerbForm {
    pub lemma: String,
    pub kind: FormKind,
    pub number: Number,
    /// Strong reporting verbs make a claim with any object; weak ones need "que".
    pub strong: bool,
}

/// A sovereign state.
#[derive(Debug, Clone)]
pub struct StateInfo {
    /// The short Spanish name used as canonical name ("Estados Unidos").
    pub canonical: String,
    /// Every name and abbreviation, the canonical one first.
    pub names: Vec<String>,
    /// Demonyms in their four forms (masculine, feminine, singular, plural).
    pub demonyms: Vec<String>,
    pub capitals: Vec<String>,
    /// Never added by the gazetteer on its own (a common word or place too: "Granada").
    pub ambiguous: bool,
    /// The capital's name is also a common place elsewhere ("Santiago", "San José").
    pub capital_ambiguous: bool,
}

/// A position cue pattern.
#[derive(Debug, Clone)]
pub struct PositionCue {
    pub tokens: Vec<CueToken>,
    pub polarity: Option<Polarity>,
}

/// One element of a position cue pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CueToken {
    /// A finite (or compound-tense participle) form of this lemma.
    Verb(String),
    /// The adjective in any gender or number (the four forms).
    Adj(Vec<String>),
    /// A word as is (lower case).
    Word(String),
}

/// Role classes of titles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoleClass {
    Foreign,
    Head,
    Spokes,
    Official,
    GroupPerson,
    /// A group of heads of state or government ("los dos jefes de Estado").
    GroupLeaders,
}

/// A role or title ("ministro de Relaciones Exteriores" starts with "ministro").
#[derive(Debug, Clone)]
pub struct Role {
    /// Lower-case words.
    pub words: Vec<String>,
    pub class: RoleClass,
    pub number: Number,
}

/// What a group phrase refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Persons,
    States,
    /// Heads of state or government ("los dos presidentes"): the persons when they are the
    /// participants, their states when the participants are others (ministers).
    Leaders,
}

/// A group phrase ("ambas partes").
#[derive(Debug, Clone)]
pub struct GroupPhrase {
    /// Lower-case words of the whole phrase.
    pub words: Vec<String>,
    pub kind: GroupKind,
}

/// A concept target ("sanciones unilaterales").
#[derive(Debug, Clone)]
pub struct Concept {
    pub words: Vec<String>,
    pub target: String,
    pub default: Polarity,
}

/// Class of a closed-class word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionClass {
    Prep,
    Det,
    Conj,
    Rel,
}


/// What a cue lemma needs to make a claim (see cue_lemmas.tsv).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueClass {
    /// A verb of saying: a clause, a quotation, a direct object, or after a quotation.
    Say,
    /// A verb of saying that needs a clause or a quotation.
    SayQue,
    /// Opinion, wish, intention, agreement: a clause, an infinitive or a quotation.
    Think,
    /// Support or opposition toward its object.
    Stance,
    /// An adjective of position after a copula ("está dispuesta a").
    State,
}

/// One reading of a cue lemma.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueLemma {
    pub class: CueClass,
    /// The speaker's polarity toward the cue's object.
    pub polarity: Option<Polarity>,
    /// A dependent the cue needs ("hacer" + "hincapié").
    pub with: Option<String>,
}

/// All language data.
#[derive(Debug)]
pub struct Lexicon {
    /// Function word -> its roles for the parse-based rules (grammar_words.tsv).
    pub grammar_words: HashMap<String, Vec<String>>,
    /// Cue lemma -> its readings.
    pub cue_lemmas: HashMap<String, Vec<CueLemma>>,
    /// Lemmas (verbs, nouns) whose complement is a stance target: polarity, and whether only a
    /// participant (not a concept) can be that target.
    pub stance_lemmas: HashMap<String, (Polarity, bool)>,
    /// Lemma -> how it judges whom it is said of (judgments.tsv).
    pub judgments: HashMap<String, (Polarity, Judgment)>,
    /// Infinitive -> its action noun (nominalizations.tsv).
    pub nominalizations: HashMap<String, String>,
    /// Every infinitive the lexicons name (cues, stance words, judgments, nominalizations): a
    /// lemma candidate that is one of them is a verb's lemma ("subrayó" -> "subrayar").
    pub infinitives: HashSet<String>,
    /// Every other single word the cue, stance and judgment lexicons name, in its dictionary
    /// form (masculine singular for adjectives): an adjective whose predicted lemma kept the
    /// form's gender or number ("abierta") takes the one of these its ending gives ("abierto").
    pub dictionary_words: HashSet<String>,
    pub states: Vec<StateInfo>,
    /// Exact name (as written in the file) -> state index.
    pub state_names: HashMap<String, usize>,
    /// Lower-case demonym -> state index.
    pub demonyms: HashMap<String, usize>,
    /// Capital -> state index.
    pub capitals: HashMap<String, usize>,
    /// Lower-case reporting verb form -> form.
    pub reporting: HashMap<String, VerbForm>,
    /// Lower-case words of fixed reporting phrases, with their number.
    pub reporting_phrases: Vec<(Vec<String>, Number)>,
    pub position_cues: Vec<PositionCue>,
    /// Lower-case finite form -> (lemma, number) for the verbs of position cues.
    pub position_forms: HashMap<String, (String, Number, FormKind)>,
    pub roles: Vec<Role>,
    pub groups: Vec<GroupPhrase>,
    pub party_nouns: HashSet<String>,
    pub sources: HashSet<String>,
    pub concepts: Vec<Concept>,
    pub stance_words: Vec<(Vec<String>, Polarity)>,
    pub evaluative: Vec<(Vec<String>, Polarity)>,
    /// Lower-case adverbs and adverbial phrases (as word lists).
    pub adverbs: Vec<Vec<String>>,
    pub function_words: HashMap<String, FunctionClass>,
    pub abbreviations: HashSet<String>,
    pub surname_first: HashSet<String>,
    /// Names of news agencies and media (always ORG).
    pub media: HashSet<String>,
    /// Capitalized common nouns that are no entity on their own ("Estado", "Gobierno").
    pub generic_orgs: HashSet<String>,
    /// Lower-case plurals of institution nouns ("ministerios", "gobiernos"): a span they head
    /// names no particular organization.
    pub generic_plurals: HashSet<String>,
    /// Names whose first word is an article that belongs to them ("El Cairo", "La Habana",
    /// "El Salvador", "El País"), as written.
    pub article_names: HashSet<String>,
    /// World regions, seas and other places that are no state ("Asia Central"), as written.
    pub regions: HashSet<String>,
    /// Titles and offices (lower-case words; plurals included), longest first.
    pub titles: Vec<Title>,
    /// First words of the portfolios of ministries and offices ("Defensa", "Asuntos").
    pub portfolios: HashSet<String>,
}

/// How a word of judgments.tsv judges a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgment {
    /// A quality or conduct: of whom it is said ("X es irresponsable", "la hipocresía de X").
    Quality,
    /// A harm: of whoever causes it ("la crisis provocada por X").
    Harm,
}

/// A title or office ("presidente", "alto representante", "príncipe").
#[derive(Debug, Clone)]
pub struct Title {
    /// Lower-case words.
    pub words: Vec<String>,
    /// A title of nobility: "de" after it names a place ("Príncipe de Asturias").
    pub noble: bool,
}

impl Lexicon {
    /// Whether `word` (any case) has `role` in grammar_words.tsv ("según" is "according").
    pub fn is(&self, word: &str, role: &str) -> bool {
        let lower = word.to_lowercase();
        self.grammar_words.get(&lower).map_or(false, |roles| roles.iter().any(|r| r == role))
    }

    /// The readings of a cue lemma, trying the conjugation and stem-change variants of a verb
    /// lemma the lexicon does not hold as it is.
    pub fn cue_readings(&self, lemma: &str) -> Option<&Vec<CueLemma>> {
        self.cue_lemmas.get(lemma).or_else(|| verb_lemma_variants(lemma).iter().find_map(|v| self.cue_lemmas.get(v)))
    }

    /// A judgment lemma's polarity and kind, with the verb variants of [`Lexicon::cue_readings`].
    pub fn judgment(&self, lemma: &str) -> Option<(Polarity, Judgment)> {
        self.judgments.get(lemma).or_else(|| verb_lemma_variants(lemma).iter().find_map(|v| self.judgments.get(v))).copied()
    }

    /// [`Lexicon::judgment`] of a word by its lemma; for an adjective or a noun also by its own
    /// form or that form's masculine singular, since a lemma script can go astray ("egoísta"
    /// given "egoístar").
    pub fn judgment_of_word(&self, lemma: &str, form: &str, upos: &str) -> Option<(Polarity, Judgment)> {
        self.judgment(&lemma.to_lowercase()).or_else(|| {
            if upos == "VERB" {
                return None;
            }
            let form = form.to_lowercase();
            self.judgment(&form).or_else(|| adjective_lemma_variants(&form).iter().find_map(|v| self.judgment(v)))
        })
    }

    /// The action noun of an infinitive ("expulsar" -> "expulsión", "militarizar" ->
    /// "militarización"), from nominalizations.tsv or the regular endings -izar and -ificar.
    pub fn action_noun(&self, infinitive: &str) -> Option<String> {
        if let Some(n) = self.nominalizations.get(infinitive) {
            return Some(n.clone());
        }
        for (verb, noun) in [("izar", "ización"), ("ificar", "ificación")] {
            if let Some(stem) = infinitive.strip_suffix(verb).filter(|s| s.chars().count() >= 2) {
                return Some(format!("{stem}{noun}"));
            }
        }
        None
    }

    /// A stance lemma's polarity and target kind, with the same variants as [`Lexicon::cue_readings`].
    pub fn stance_lemma(&self, lemma: &str) -> Option<(Polarity, bool)> {
        self.stance_lemmas.get(lemma).or_else(|| verb_lemma_variants(lemma).iter().find_map(|v| self.stance_lemmas.get(v))).copied()
    }

    /// The state a name (exact, or all in capitals) refers to.
    pub fn state_by_name(&self, name: &str) -> Option<&StateInfo> {
        if let Some(&i) = self.state_names.get(name) {
            return Some(&self.states[i]);
        }
        let upper_only = name.chars().any(|c| c.is_alphabetic()) && !name.chars().any(|c| c.is_lowercase());
        if upper_only {
            if let Some(&i) = self.state_names_upper().get(name) {
                return Some(&self.states[i]);
            }
        }
        None
    }

    fn state_names_upper(&self) -> &'static HashMap<String, usize> {
        &STATE_NAMES_UPPER
    }

    /// The state a lower-case demonym form refers to.
    pub fn state_by_demonym(&self, word: &str) -> Option<&StateInfo> {
        self.demonyms.get(&word.to_lowercase()).map(|&i| &self.states[i])
    }

    /// The state whose capital this is.
    pub fn state_by_capital(&self, name: &str) -> Option<&StateInfo> {
        self.capitals.get(name).map(|&i| &self.states[i])
    }

    /// Canonical state name for a state name, a capital or a demonym.
    pub fn state_of_any(&self, s: &str) -> Option<&StateInfo> {
        self.state_by_name(s).or_else(|| self.state_by_capital(s)).or_else(|| {
            if s.chars().next().map_or(false, |c| c.is_lowercase()) {
                self.state_by_demonym(s)
            } else {
                None
            }
        })
    }

    pub fn function_class(&self, lower: &str) -> Option<FunctionClass> {
        self.function_words.get(lower).copied()
    }

    pub fn is_adverb(&self, lower: &str) -> bool {
        lower.ends_with("mente") && lower.chars().count() > 6 || self.adverbs.iter().any(|a| a.len() == 1 && a[0] == lower)
    }
}

static STATE_NAMES_UPPER: Lazy<HashMap<String, usize>> = Lazy::new(|| {
    let lex = lexicon();
    lex.state_names.iter().map(|(k, &v)| (k.to_uppercase(), v)).collect()
});

static LEXICON: Lazy<Lexicon> = Lazy::new(build);

/// The language data, parsed on first use.
pub fn lexicon() -> &'static Lexicon {
    &LEXICON
}

/// The masculine singular forms an adjective's inflected form may come from ("abierta",
/// "abiertas", "abiertos" -> "abierto"; "cordiales" -> "cordial"; "francesa" -> "francés" is
/// not made: only endings that add or swap a final vowel or an "-s").
pub fn adjective_lemma_variants(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let singular = word.strip_suffix("es").map(str::to_string).into_iter().chain(word.strip_suffix('s').map(str::to_string));
    for base in std::iter::once(word.to_string()).chain(singular) {
        if let Some(stem) = base.strip_suffix('a') {
            out.push(format!("{stem}o"));
        }
        if base != word {
            out.push(base);
        }
    }
    out
}

/// Infinitives a verb lemma may stand for when the lemmatizer chose the wrong conjugation or
/// kept a stem change: "-er" and "-ir" share the imperfect and the participle ("decía" ->
/// "decer" for "decir", "comprometieron" -> "comprometir"), and "-ir" verbs change e -> i and
/// o -> u in some forms ("pidió" -> "pidir" for "pedir", "durmió" -> "durmir").
pub fn verb_lemma_variants(lemma: &str) -> Vec<String> {
    let mut out = Vec::new();
    let swapped = if let Some(stem) = lemma.strip_suffix("er") {
        Some(format!("{stem}ir"))
    } else {
        lemma.strip_suffix("ir").map(|stem| format!("{stem}er"))
    };
    for base in std::iter::once(lemma.to_string()).chain(swapped) {
        if base != lemma {
            out.push(base.clone());
        }
        if let Some(stem) = base.strip_suffix("ir") {
            for (from, to) in [('i', 'e'), ('u', 'o')] {
                if let Some(k) = stem.rfind(from) {
                    let mut v = stem.to_string();
                    v.replace_range(k..k + from.len_utf8(), &to.to_string());
                    out.push(format!("{v}ir"));
                }
            }
        }
        // A stressed stem's diphthong kept in the infinitive ("aprueba" -> "apruebar",
        // "defiende" -> "defiender"): the infinitive has the plain vowel.
        for ending in ["ar", "er", "ir"] {
            let Some(stem) = base.strip_suffix(ending) else { continue };
            for (from, to) in [("ue", "o"), ("ie", "e")] {
                if let Some(k) = stem.rfind(from) {
                    out.push(format!("{}{to}{}{ending}", &stem[..k], &stem[k + from.len()..]));
                }
            }
        }
    }
    out
}

/// Infinitives a mis-scripted verb lemma may stand for, by Spanish spelling: the stress accent
/// of the inflected form kept ("confíar" -> "confiar"), the wrong conjugation ending
/// ("trabajer" -> "trabajar"), and the consonant a spelling rule changed before "e" or "a"
/// ("profundicar" -> "profundizar", "protejar" -> "proteger", "ataquar" -> "atacar"). Only
/// for choosing among the lemmas a lexicon knows; not a lemmatizer by itself.
pub fn verb_spelling_variants(lemma: &str) -> Vec<String> {
    let Some(stem) = ["ar", "er", "ir"].iter().find_map(|e| lemma.strip_suffix(e)) else { return Vec::new() };
    let plain: String = stem.chars().map(|c| match c {
        'í' => 'i',
        'ú' => 'u',
        'á' => 'a',
        'é' => 'e',
        'ó' => 'o',
        other => other,
    }).collect();
    let mut stems = vec![plain.clone()];
    for (from, to) in [("c", "z"), ("qu", "c"), ("gu", "g"), ("j", "g"), ("zc", "c"), ("z", "c"), ("g", "gu")] {
        if let Some(s) = plain.strip_suffix(from) {
            stems.push(format!("{s}{to}"));
        }
    }
    let mut out = Vec::new();
    for s in &stems {
        for e in ["ar", "er", "ir"] {
            let v = format!("{s}{e}");
            if v != lemma && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

fn polarity(f: &str) -> Option<Polarity> {
    match f {
        "support" => Some(Polarity::Support),
        "oppose" => Some(Polarity::Oppose),
        _ => None,
    }
}

/// Data lines of a TSV file: comments and blank lines skipped, fields split on tabs.
fn rows(src: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    src.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(|f| f.trim()).collect())
}

fn field<'a>(row: &[&'a str], i: usize) -> &'a str {
    row.get(i).copied().unwrap_or("")
}

fn list(f: &str) -> impl Iterator<Item = &str> {
    f.split('|').map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// Lower-case words of a phrase, split like the text tokenizer splits them.
pub fn phrase_words(s: &str) -> Vec<String> {
    crate::text::tokenize(s, 0, s.len()).iter().map(|t| t.slice(s).to_lowercase()).collect()
}

/// Plural of a Spanish noun or adjective ("ruso" -> "rusos", "francés" -> "franceses",
/// "marroquí" -> "marroquíes", "español" -> "españoles").
pub fn plural(word: &str) -> String {
    let last = match word.chars().last() {
        Some(c) => c,
        None => return String::new(),
    };
    match last {
        'a' | 'e' | 'o' | 'é' | 'ó' => format!("{word}s"),
        'í' | 'ú' | 'á' => format!("{word}es"),
        's' | 'x' if !has_final_stress_accent(word) && word.chars().count() > 3 && !ends_stressed_syllable(word) => word.to_string(),
        'z' => format!("{}ces", &word[..word.len() - 1]),
        _ => format!("{}es", strip_last_accent(word)),
    }
}

fn has_final_stress_accent(word: &str) -> bool {
    word.chars().rev().take(3).any(|c| "áéíóú".contains(c))
}

fn ends_stressed_syllable(word: &str) -> bool {
    // Words in -s that are stressed on the last syllable without accent mark are rare; treat
    // "-és" "-ás" style (accented) as stressed, the rest as invariable ("crisis").
    has_final_stress_accent(word)
}

fn strip_last_accent(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = chars.clone();
    for i in (0..chars.len()).rev().take(3) {
        let plain = match chars[i] {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' => 'u',
            _ => continue,
        };
        out[i] = plain;
        break;
    }
    out.into_iter().collect()
}

/// The four forms of an adjective given its masculine singular ("dispuesto").
pub fn adjective_forms(masc: &str) -> Vec<String> {
    if let Some(stem) = masc.strip_suffix('o') {
        vec![masc.to_string(), format!("{stem}a"), format!("{stem}os"), format!("{stem}as")]
    } else {
        vec![masc.to_string(), plural(masc)]
    }
}

/// Generated finite 3rd-person (and other) forms of a regular verb, with kind and number.
pub fn conjugate(lemma: &str) -> Vec<(String, FormKind, Number)> {
    use FormKind::*;
    use Number::*;
    let mut out = Vec::new();
    if lemma.chars().count() < 3 {
        return out;
    }
    let (stem, class) = lemma.split_at(lemma.len() - 2);
    let push = |out: &mut Vec<(String, FormKind, Number)>, suffix: &str, k: FormKind, n: Number| {
        out.push((format!("{stem}{suffix}"), k, n));
    };
    match class {
        "ar" => {
            for (s, n) in [("a", Sg), ("an", Pl), ("ó", Sg), ("aron", Pl), ("aba", Sg), ("aban", Pl), ("ará", Sg),
                ("arán", Pl), ("aría", Sg), ("arían", Pl), ("ara", Sg), ("aran", Pl), ("e", Sg), ("en", Pl)]
            {
                push(&mut out, s, Finite, n);
            }
            push(&mut out, "ado", Participle, Any);
            push(&mut out, "ando", Gerund, Any);
            push(&mut out, "ar", Infinitive, Any);
        }
        "er" | "ir" => {
            let v = if class == "er" { "e" } else { "i" };
            for (s, n) in [("e".to_string(), Sg), ("en".to_string(), Pl), ("ió".to_string(), Sg), ("ieron".to_string(), Pl),
                ("ía".to_string(), Sg), ("ían".to_string(), Pl), (format!("{v}rá"), Sg), (format!("{v}rán"), Pl),
                (format!("{v}ría"), Sg), (format!("{v}rían"), Pl), ("iera".to_string(), Sg), ("ieran".to_string(), Pl),
                ("a".to_string(), Sg), ("an".to_string(), Pl)]
            {
                push(&mut out, &s, Finite, n);
            }
            push(&mut out, "ido", Participle, Any);
            push(&mut out, "iendo", Gerund, Any);
            push(&mut out, class, Infinitive, Any);
        }
        _ => {}
    }
    out
}

/// Kind and number of an irregular form listed in a data file, guessed from its ending.
fn classify_form(form: &str) -> (FormKind, Number) {
    if form.ends_with("ndo") {
        (FormKind::Gerund, Number::Any)
    } else if form.ends_with("ado") || form.ends_with("ido") || form.ends_with("cho") || form.ends_with("sto") || form.ends_with("ito") {
        (FormKind::Participle, Number::Any)
    } else if form.ends_with("ar") || form.ends_with("er") || form.ends_with("ir") {
        (FormKind::Infinitive, Number::Any)
    } else if form.ends_with('n') {
        (FormKind::Finite, Number::Pl)
    } else {
        (FormKind::Finite, Number::Sg)
    }
}

fn build() -> Lexicon {
    let mut lex = Lexicon {
        grammar_words: HashMap::new(),
        cue_lemmas: HashMap::new(),
        stance_lemmas: HashMap::new(),
        judgments: HashMap::new(),
        nominalizations: HashMap::new(),
        infinitives: HashSet::new(),
        dictionary_words: HashSet::new(),
        states: Vec::new(),
        state_names: HashMap::new(),
        demonyms: HashMap::new(),
        capitals: HashMap::new(),
        reporting: HashMap::new(),
        reporting_phrases: Vec::new(),
        position_cues: Vec::new(),
        position_forms: HashMap::new(),
        roles: Vec::new(),
        groups: Vec::new(),
        party_nouns: HashSet::new(),
        sources: HashSet::new(),
        concepts: Vec::new(),
        stance_words: Vec::new(),
        evaluative: Vec::new(),
        adverbs: Vec::new(),
        function_words: HashMap::new(),
        abbreviations: HashSet::new(),
        surname_first: HashSet::new(),
        media: HashSet::new(),
        generic_orgs: HashSet::new(),
        generic_plurals: HashSet::new(),
        article_names: HashSet::new(),
        regions: HashSet::new(),
        titles: Vec::new(),
        portfolios: HashSet::new(),
    };

    for row in rows(STATES) {
        let canonical = field(&row, 0).to_string();
        if canonical.is_empty() {
            continue;
        }
        let mut names = vec![canonical.clone()];
        names.extend(list(field(&row, 1)).map(str::to_string));
        let mut demonyms = Vec::new();
        for pair in list(field(&row, 2)) {
            for form in pair.split('/').map(str::trim).filter(|s| !s.is_empty()) {
                for f in [form.to_string(), plural(form)] {
                    if !demonyms.contains(&f) {
                        demonyms.push(f);
                    }
                }
            }
        }
        let capitals: Vec<String> = list(field(&row, 3)).map(str::to_string).collect();
        let flags = field(&row, 4);
        let idx = lex.states.len();
        for n in &names {
            lex.state_names.entry(n.clone()).or_insert(idx);
        }
        for d in &demonyms {
            lex.demonyms.entry(d.to_lowercase()).or_insert(idx);
        }
        for c in &capitals {
            // A capital that is also a state's name stays a state name.
            lex.capitals.entry(c.clone()).or_insert(idx);
        }
        lex.states.push(StateInfo {
            canonical,
            names,
            demonyms,
            capitals,
            ambiguous: flags.contains("ambiguous") && !flags.contains("capital_ambiguous"),
            capital_ambiguous: flags.contains("capital_ambiguous"),
        });
    }

    for row in rows(REPORTING_VERBS) {
        let lemma = field(&row, 0);
        let strong = field(&row, 1) == "strong";
        let mut forms: Vec<(String, FormKind, Number)> = conjugate(lemma);
        for f in list(field(&row, 2)) {
            let (k, n) = classify_form(f);
            forms.push((f.to_string(), k, n));
        }
        for (f, kind, number) in forms {
            lex.reporting
                .entry(f.to_lowercase())
                .or_insert(VerbForm { lemma: lemma.to_string(), kind, number, strong });
        }
    }

    for row in rows(REPORTING_PHRASES) {
        let words = phrase_words(field(&row, 0));
        let number = match field(&row, 1) {
            "sg" => Number::Sg,
            "pl" => Number::Pl,
            _ => Number::Any,
        };
        if !words.is_empty() {
            lex.reporting_phrases.push((words, number));
        }
    }

    for row in rows(POSITION_VERBS) {
        let lemma = field(&row, 0);
        for (f, k, n) in conjugate(lemma) {
            lex.position_forms.entry(f.to_lowercase()).or_insert((lemma.to_string(), n, k));
        }
        for f in list(field(&row, 1)) {
            let (k, n) = classify_form(f);
            lex.position_forms.insert(f.to_lowercase(), (lemma.to_string(), n, k));
        }
    }

    for row in rows(POSITION_CUES) {
        let tokens: Vec<CueToken> = field(&row, 0)
            .split_whitespace()
            .map(|t| {
                if let Some(l) = t.strip_prefix("V:") {
                    CueToken::Verb(l.to_string())
                } else if let Some(a) = t.strip_prefix("A:") {
                    CueToken::Adj(adjective_forms(a))
                } else {
                    CueToken::Word(t.to_lowercase())
                }
            })
            .collect();
        let polarity = match field(&row, 1) {
            "support" => Some(Polarity::Support),
            "oppose" => Some(Polarity::Oppose),
            _ => None,
        };
        if !tokens.is_empty() {
            lex.position_cues.push(PositionCue { tokens, polarity });
        }
    }

    for row in rows(ROLES) {
        let words = phrase_words(field(&row, 0));
        let class = match field(&row, 1) {
            "foreign" => RoleClass::Foreign,
            "head" => RoleClass::Head,
            "spokes" => RoleClass::Spokes,
            "group-person" => RoleClass::GroupPerson,
            _ => RoleClass::Official,
        };
        let number = if field(&row, 2) == "pl" { Number::Pl } else { Number::Sg };
        if !words.is_empty() {
            lex.roles.push(Role { words, class, number });
        }
    }
    // Longest roles first, so "jefe de la diplomacia" wins over "jefe".
    lex.roles.sort_by(|a, b| b.words.len().cmp(&a.words.len()));

    for row in rows(GROUPS) {
        let mut words = phrase_words(field(&row, 0));
        words.extend(phrase_words(field(&row, 1)));
        let kind = match field(&row, 2) {
            "states" => GroupKind::States,
            "leaders" => GroupKind::Leaders,
            _ => GroupKind::Persons,
        };
        if !words.is_empty() {
            lex.groups.push(GroupPhrase { words, kind });
        }
    }
    lex.groups.sort_by(|a, b| b.words.len().cmp(&a.words.len()));

    lex.party_nouns = rows(PARTY_NOUNS).map(|r| field(&r, 0).to_lowercase()).collect();
    lex.sources = rows(SOURCES).map(|r| field(&r, 0).to_lowercase()).collect();

    for row in rows(CONCEPTS) {
        let words = phrase_words(field(&row, 0));
        let default = if field(&row, 2) == "support" { Polarity::Support } else { Polarity::Oppose };
        if !words.is_empty() {
            lex.concepts.push(Concept { words, target: field(&row, 1).to_string(), default });
        }
    }
    lex.concepts.sort_by(|a, b| b.words.len().cmp(&a.words.len()));

    let polar = |src: &'static str| -> Vec<(Vec<String>, Polarity)> {
        let mut v: Vec<(Vec<String>, Polarity)> = rows(src)
            .filter_map(|r| {
                let w = phrase_words(field(&r, 0));
                let p = if field(&r, 1) == "support" { Polarity::Support } else { Polarity::Oppose };
                (!w.is_empty()).then_some((w, p))
            })
            .collect();
        v.sort_by(|a, b| b.0.len().cmp(&a.0.len()));
        v
    };
    lex.stance_words = polar(STANCE_WORDS);
    lex.evaluative = polar(EVALUATIVE);

    lex.adverbs = rows(ADVERBS).map(|r| phrase_words(field(&r, 0))).filter(|w| !w.is_empty()).collect();
    for row in rows(FUNCTION_WORDS) {
        let class = match field(&row, 1) {
            "prep" => FunctionClass::Prep,
            "det" => FunctionClass::Det,
            "conj" => FunctionClass::Conj,
            _ => FunctionClass::Rel,
        };
        lex.function_words.insert(field(&row, 0).to_lowercase(), class);
    }
    lex.abbreviations = rows(ABBREVIATIONS).map(|r| field(&r, 0).to_string()).collect();
    lex.surname_first = rows(SURNAME_FIRST).map(|r| field(&r, 0).to_string()).collect();
    lex.media = rows(MEDIA).map(|r| field(&r, 0).to_string()).collect();
    for row in rows(GENERIC_ORGS) {
        let name = field(&row, 0);
        if !name.contains(' ') {
            lex.generic_plurals.insert(plural(&name.to_lowercase()));
        }
        if field(&row, 1) != "plural-only" {
            lex.generic_orgs.insert(name.to_string());
        }
    }
    lex.article_names = rows(ARTICLE_NAMES).map(|r| field(&r, 0).to_string()).collect();
    let starts_with_article = |n: &str| ["El ", "La ", "Los ", "Las "].iter().any(|a| n.starts_with(a));
    let more: Vec<String> = lex.media.iter().chain(lex.state_names.keys()).filter(|n| starts_with_article(n)).cloned().collect();
    lex.article_names.extend(more);
    lex.portfolios = rows(PORTFOLIOS).map(|r| field(&r, 0).to_string()).collect();
    lex.regions = rows(REGIONS).map(|r| field(&r, 0).to_string()).collect();
    // Seats of government speak for their state as capitals do.
    for r in rows(SEATS) {
        if let Some(&idx) = lex.state_names.get(field(&r, 1)) {
            lex.capitals.entry(field(&r, 0).to_string()).or_insert(idx);
        }
    }
    for row in rows(TITLES) {
        let words = phrase_words(field(&row, 0));
        if words.is_empty() {
            continue;
        }
        let noble = field(&row, 1) == "noble";
        // plural: the words before the first preposition ("jefes de estado", "altos representantes")
        let mut pl = words.clone();
        for w in pl.iter_mut().take_while(|w| !matches!(w.as_str(), "de" | "del" | "para" | "la" | "el")) {
            *w = plural(w);
        }
        lex.titles.push(Title { words, noble });
        lex.titles.push(Title { words: pl, noble });
    }
    for r in lex.roles.iter().filter(|r| r.words.len() == 1) {
        lex.titles.push(Title { words: r.words.clone(), noble: false });
        lex.titles.push(Title { words: vec![plural(&r.words[0])], noble: false });
    }
    lex.titles.sort_by(|a, b| b.words.len().cmp(&a.words.len()));
    for r in rows(GRAMMAR_WORDS) {
        lex.grammar_words.entry(field(&r, 0).to_string()).or_default().push(field(&r, 1).to_string());
    }
    for r in rows(CUE_LEMMAS) {
        let class = match field(&r, 1) {
            "say" => CueClass::Say,
            "say-que" => CueClass::SayQue,
            "think" => CueClass::Think,
            "stance" => CueClass::Stance,
            "state" => CueClass::State,
            _ => continue,
        };
        let with = Some(field(&r, 3)).filter(|w| !w.is_empty() && *w != "-").map(str::to_string);
        lex.cue_lemmas.entry(field(&r, 0).to_string()).or_default().push(CueLemma { class, polarity: polarity(field(&r, 2)), with });
    }
    for r in rows(STANCE_LEMMAS) {
        if let Some(p) = polarity(field(&r, 1)) {
            lex.stance_lemmas.insert(field(&r, 0).to_string(), (p, field(&r, 2) == "entity"));
        }
    }
    for r in rows(NOMINALIZATIONS) {
        lex.nominalizations.insert(field(&r, 0).to_string(), field(&r, 1).to_string());
    }
    for r in rows(JUDGMENTS) {
        let kind = match field(&r, 2) {
            "quality" => Judgment::Quality,
            "harm" => Judgment::Harm,
            _ => continue,
        };
        if let Some(p) = polarity(field(&r, 1)) {
            lex.judgments.insert(field(&r, 0).to_string(), (p, kind));
        }
    }
    let infinitive = |w: &str| !w.contains(' ') && w.chars().count() > 3 && (w.ends_with("ar") || w.ends_with("er") || w.ends_with("ir"));
    let words: Vec<String> = lex.cue_lemmas.keys().chain(lex.stance_lemmas.keys()).chain(lex.judgments.keys()).filter(|w| !w.contains(' ')).cloned().collect();
    let (infinitives, others): (Vec<String>, Vec<String>) = words.into_iter().partition(|w| infinitive(w));
    lex.infinitives.extend(infinitives);
    lex.infinitives.extend(lex.nominalizations.keys().filter(|w| infinitive(w)).cloned().collect::<Vec<_>>());
    lex.dictionary_words.extend(others);
    for (lemma, readings) in &lex.cue_lemmas {
        for c in readings {
            if let (Some(p), None) = (c.polarity, &c.with) {
                lex.stance_lemmas.entry(lemma.clone()).or_insert((p, false));
            }
        }
    }
    lex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_judgment_word_is_found_by_its_form_when_its_lemma_went_astray() {
        let lex = lexicon();
        let expected = lex.judgment("inaceptable");
        assert!(expected.is_some(), "judgments.tsv lists inaceptable");
        assert_eq!(lex.judgment_of_word("inaceptable", "inaceptables", "ADJ"), expected);
        assert_eq!(lex.judgment_of_word("inaceptablar", "inaceptables", "ADJ"), expected, "by the form's singular");
        assert_eq!(lex.judgment_of_word("inaceptablar", "inaceptable", "ADJ"), expected, "by the form");
        assert_eq!(lex.judgment_of_word("inaceptablar", "inaceptable", "VERB"), None, "a verb only by its lemma");
    }

    #[test]
    fn every_seat_of_government_names_a_listed_state() {
        let lex = lexicon();
        for r in rows(SEATS) {
            assert!(lex.state_names.contains_key(field(&r, 1)), "seats.tsv: {} -> unknown state {:?}", field(&r, 0), field(&r, 1));
            assert!(lex.state_by_capital(field(&r, 0)).is_some(), "{}", field(&r, 0));
        }
        assert_eq!(lex.state_by_capital("Kremlin").map(|s| s.canonical.as_str()), Some("Rusia"));
    }

    #[test]
    fn adjective_lemma_variants_give_the_masculine_singular() {
        for (form, lemma) in [("abierta", "abierto"), ("abiertas", "abierto"), ("abiertos", "abierto"), ("cordiales", "cordial")] {
            assert!(adjective_lemma_variants(form).contains(&lemma.to_string()), "{form}");
        }
        assert!(adjective_lemma_variants("firme").is_empty());
        // the lexicons' adjectives are there to be found
        assert!(lexicon().dictionary_words.contains("abierto"));
        assert!(!lexicon().dictionary_words.contains("apoyar"));
    }

    #[test]
    fn verb_lemma_variants_undo_conjugation_and_stem_change_errors() {
        assert!(verb_lemma_variants("decer").contains(&"decir".to_string()));
        assert!(verb_lemma_variants("comprometir").contains(&"comprometer".to_string()));
        assert!(verb_lemma_variants("pidir").contains(&"pedir".to_string()));
        assert!(verb_lemma_variants("durmir").contains(&"dormir".to_string()));
        assert!(verb_lemma_variants("apruebar").contains(&"aprobar".to_string()));
        assert!(verb_lemma_variants("defiender").contains(&"defender".to_string()));
        assert!(verb_lemma_variants("advirtir").contains(&"advertir".to_string()), "{:?}", verb_lemma_variants("advirtir"));
        assert!(lexicon().stance_lemma("apruebar").is_some());
        assert!(lexicon().cue_readings("pidir").is_some());
        assert!(lexicon().cue_readings("caminar").is_none());
    }

    #[test]
    fn verb_spelling_variants_undo_accents_endings_and_spelling_changes() {
        for (scripted, infinitive) in [("confíar", "confiar"), ("trabajer", "trabajar"), ("profundicar", "profundizar"), ("protejar", "proteger"), ("prohíbir", "prohibir"), ("ataquar", "atacar")] {
            assert!(verb_spelling_variants(scripted).contains(&infinitive.to_string()), "{scripted}: {:?}", verb_spelling_variants(scripted));
        }
        assert!(verb_spelling_variants("hablar").iter().all(|v| v != "hablar"));
        assert!(verb_spelling_variants("sin").is_empty());
    }

    #[test]
    fn every_un_member_and_observer_is_listed() {
        let lex = lexicon();
        assert_eq!(lex.states.len(), 195);
        for name in ["Estados Unidos", "EE.UU.", "EE. UU.", "EEUU", "Federación de Rusia", "República Popular China", "Kazajstán", "Corea del Sur", "Santa Sede", "Palestina"] {
            assert!(lex.state_by_name(name).is_some(), "{name}");
        }
        assert_eq!(lex.state_by_name("EE. UU.").unwrap().canonical, "Estados Unidos");
        assert_eq!(lex.state_by_name("RUSIA").unwrap().canonical, "Rusia");
        assert!(lex.state_by_name("Taiwán").is_none());
    }

    #[test]
    fn demonyms_have_four_forms() {
        let lex = lexicon();
        for (d, s) in [("ruso", "Rusia"), ("rusa", "Rusia"), ("rusos", "Rusia"), ("rusas", "Rusia"), ("estadounidenses", "Estados Unidos"),
            ("norteamericana", "Estados Unidos"), ("franceses", "Francia"), ("marroquíes", "Marruecos"), ("españoles", "España"), ("alemanes", "Alemania"), ("chinas", "China")]
        {
            assert_eq!(lex.state_by_demonym(d).map(|s| s.canonical.as_str()), Some(s), "{d}");
        }
        assert_eq!(lex.state_by_capital("Pekín").unwrap().canonical, "China");
        assert_eq!(lex.state_by_capital("Moscú").unwrap().canonical, "Rusia");
    }

    #[test]
    fn reporting_verbs_in_every_inflection() {
        let lex = lexicon();
        for f in ["dijo", "dijeron", "afirmó", "enfatizó", "subrayaron", "señala", "indicará", "destacando", "agregando", "anotó", "insistió", "advirtió", "instó", "reiteró", "sostuvo", "consideró", "declaró", "explicó", "manifiesta", "anunciara"] {
            assert!(lex.reporting.contains_key(f), "{f}");
        }
        assert_eq!(lex.reporting["dijeron"].number, Number::Pl);
        assert_eq!(lex.reporting["agregando"].kind, FormKind::Gerund);
        assert!(!lex.reporting["sostuvo"].strong);
    }

    #[test]
    fn plurals() {
        assert_eq!(plural("kazajo"), "kazajos");
        assert_eq!(plural("estadounidense"), "estadounidenses");
        assert_eq!(plural("alemán"), "alemanes");
        assert_eq!(plural("israelí"), "israelíes");
    }
}
