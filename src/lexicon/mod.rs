//! Language data (states, demonyms, capitals, cue verbs, stance words), kept in TSV files
//! next to this module and compiled in with `include_str!`.
