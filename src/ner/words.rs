//! Splitting a sentence into words the way the training corpora are tokenized: runs of
//! letters and digits (joined across an inner `.`, `,`, `'`, `’` or `-` followed by a letter or
//! digit, as in "2.000", "EE.UU", "anti-COVID"), and every other visible character alone.

/// Byte ranges of the words of `text`.
pub fn split(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |c| c.0);
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if c.is_whitespace() || c.is_control() || is_invisible(c) {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_alphanumeric() {
            i += 1;
            while i < chars.len() {
                let c = chars[i].1;
                if c.is_alphanumeric() || is_mark(c) {
                    i += 1;
                } else if matches!(c, '-' | '‐') && chars[start].1.is_uppercase() && chars.get(i + 1).map_or(false, |n| n.1.is_uppercase()) {
                    break; // "China-Kazajistán": two names, as the gold and the model see them
                } else if matches!(c, '.' | ',' | '\'' | '’' | '-' | '‐') && chars.get(i + 1).map_or(false, |n| n.1.is_alphanumeric()) {
                    i += 2;
                } else {
                    break;
                }
            }
        } else {
            i += 1;
        }
        words.push((chars[start].0, end_of(i)));
    }
    words
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{FEFF}' | '\u{2060}')
}

#[cfg(test)]
mod tests {
    use super::split;

    fn words(t: &str) -> Vec<&str> {
        split(t).into_iter().map(|(a, b)| &t[a..b]).collect()
    }

    #[test]
    fn splits_like_the_corpora() {
        assert_eq!(words("«Así», dijo Lavrov."), vec!["«", "Así", "»", ",", "dijo", "Lavrov", "."]);
        assert_eq!(words("EE.UU. pagó 2.000,5 dólares"), vec!["EE.UU", ".", "pagó", "2.000,5", "dólares"]);
        assert_eq!(words("¿anti-COVID-19?"), vec!["¿", "anti-COVID-19", "?"]);
        assert_eq!(words("relaciones China-Kazajistán"), vec!["relaciones", "China", "-", "Kazajistán"]);
        assert_eq!(words("  \u{200B} \n"), Vec::<&str>::new());
        assert_eq!(words("Xi\u{00A0}Jinping"), vec!["Xi", "Jinping"]);
    }
}
