// SPDX-License-Identifier: GPL-3.0-or-later
//! Schema files from Rust: parse, read, write and the getters.
use genre::{sys, Schema};

#[test]
fn parse_write_round_trip() {
    let text = "* missing=\"\"\n\"Artist Name\" group no-group=\"no one\"\n\
                d numeric missing-value=-1 impute=group-median\n\
                Class label names=1:\"Rock, roll\",2:Jazz\n";
    let s = Schema::parse(text, "r.schema").unwrap();
    let w = s.write().unwrap();
    assert_eq!(Schema::parse(&w, "w").unwrap().write().unwrap(), w);
    let cols = s.columns().unwrap();
    assert_eq!(cols[0], ("Artist Name".to_string(), sys::GENRE_COL_GROUP));
    assert_eq!(cols[2], ("Class".to_string(), sys::GENRE_COL_LABEL));
    assert_eq!(s.get_impute("d").unwrap(), sys::GENRE_IMPUTE_GROUP_MEDIAN);
}

#[test]
fn errors_name_the_line_and_token() {
    let e = Schema::parse("x numeric\nkey categorial\n", "r.schema").err().unwrap();
    assert_eq!(e.code, sys::GENRE_E_PARSE);
    assert!(e.message.contains("r.schema:2: unknown type 'categorial'"), "{}", e.message);
    assert_eq!(Schema::read("/nonexistent.schema").err().unwrap().code, sys::GENRE_E_IO);
}

#[test]
fn vendored_file_writes_like_the_builtin() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../examples/music_genre.schema");
    let file = Schema::read(path).unwrap();
    let builtin = Schema::music_genre().unwrap();
    assert_eq!(file.write().unwrap(), builtin.write().unwrap());
    assert_eq!(builtin.get_impute("tempo").unwrap(), sys::GENRE_IMPUTE_MODEL);
}
