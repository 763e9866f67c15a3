//! Lemmas of Spanish irregular verbs from their stems ("propuso" -> "proponer", "mantendrá" ->
//! "mantener", "produjo" -> "producir"): a closed paradigm that a lemma classifier trained on a
//! small treebank learns poorly. The stems, endings and verbal prefixes are language data in
//! `irregular_verbs.tsv`.
use once_cell::sync::Lazy;

struct Stem {
    stem: String,
    infinitive: String,
    endings: Vec<String>,
}

struct Paradigms {
    /// Longest stem first.
    stems: Vec<Stem>,
    prefixes: Vec<String>,
}

static PARADIGMS: Lazy<Paradigms> = Lazy::new(|| {
    let mut classes: Vec<(String, Vec<String>)> = Vec::new();
    let mut stems = Vec::new();
    let mut prefixes = Vec::new();
    for line in include_str!("irregular_verbs.tsv").lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["ending", name, endings] => classes.push((name.to_string(), endings.split('|').map(str::to_string).collect())),
            ["prefix", prefix] => prefixes.push(prefix.to_string()),
            ["stem", stem, infinitive, class] => {
                let endings = classes.iter().find(|(n, _)| n == class).map(|(_, e)| e.clone()).unwrap_or_default();
                stems.push(Stem { stem: stem.to_string(), infinitive: infinitive.to_string(), endings });
            }
            _ => {}
        }
    }
    stems.sort_by_key(|s| std::cmp::Reverse(s.stem.chars().count()));
    Paradigms { stems, prefixes }
});

/// The infinitive of `form` when it is a form of an irregular verb in the table (any case;
/// the lemma is lowercase), else `None`. Only call it on words tagged VERB or AUX: "vino" is
/// also wine.
pub fn lemma(form: &str) -> Option<String> {
    let lower = form.to_lowercase();
    let p = &*PARADIGMS;
    for stem in &p.stems {
        for ending in &stem.endings {
            let Some(before) = lower.strip_suffix(ending.as_str()).and_then(|rest| rest.strip_suffix(stem.stem.as_str())) else { continue };
            if before.is_empty() || p.prefixes.iter().any(|prefix| prefix == before) {
                return Some(format!("{before}{}", stem.infinitive));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::lemma;

    #[test]
    fn strong_preterites_futures_and_go_presents() {
        for (form, expected) in [
            ("propuso", "proponer"),
            ("Dispusieron", "disponer"),
            ("sostuvo", "sostener"),
            ("mantendrá", "mantener"),
            ("estuvo", "estar"),
            ("dijo", "decir"),
            ("predijeron", "predecir"),
            ("produjo", "producir"),
            ("traduzca", "traducir"),
            ("hizo", "hacer"),
            ("rehará", "rehacer"),
            ("intervino", "intervenir"),
            ("quisieron", "querer"),
            ("pudo", "poder"),
            ("supo", "saber"),
            ("hubo", "haber"),
            ("atrajo", "atraer"),
            ("salgan", "salir"),
            ("puesto", "poner"),
        ] {
            assert_eq!(lemma(form).as_deref(), Some(expected), "{form}");
        }
    }

    #[test]
    fn regular_verbs_and_unknown_prefixes_are_left_to_the_model() {
        for form in ["echará", "afirmó", "habló", "trabajo", "seguía", "dirigirá", "", "o", "hizo\u{301}"] {
            assert_eq!(lemma(form), None, "{form}");
        }
    }
}
