// SPDX-License-Identifier: GPL-3.0-or-later
//! Schema inference from Rust: roles, options, notes, a read with the result.
use genre::{sys, Dataset, Schema};

fn table() -> String {
    let genres = ["blues", "jazz", "rock", "pop"];
    let mut s = String::from("id;file;x;c;genre\r\n");
    for r in 0..200 {
        let x = if r == 120 { "abc".to_string() } else if r % 10 == 3 { "NA".to_string() } else { format!("{}.5", r) };
        s += &format!("{};{}.{:05}.wav;{};{};{}\r\n", r + 1, genres[r % 4], r, x,
                      ["low", "mid", "high"][r % 3], genres[r % 4]);
    }
    s
}

#[test]
fn infer_reads_back_with_the_odd_cell_missing() {
    let dir = std::env::temp_dir().join(format!("genre-infer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.csv");
    std::fs::write(&path, table()).unwrap();
    let s = Schema::infer(&path, "genre", None).unwrap();
    let notes = s.notes().unwrap();
    for line in ["column id ignore running integer id 1 to 200", "column file text ",
                 "column x numeric ", "column c categorical 3 distinct values",
                 "column genre label 4 classes"] {
        assert!(notes.contains(line), "no {:?} in\n{}", line, notes);
    }
    assert!(notes.contains(&format!("odd_cell {}:122 x \"abc\"\n", path.display())));
    assert_eq!(s.get_i64(sys::GENRE_SCHEMA_SEPARATOR).unwrap(), b';' as i64);
    let ds = Dataset::read_csv(&path, &s).unwrap();
    assert_eq!(ds.report_value("read", Some("x"), "missing").unwrap(), 21);
    // strict: the odd cell is an error naming the line, column and value
    let mut o = Schema::new().unwrap();
    o.set_i64(sys::GENRE_SCHEMA_INFER_STRICT, 1).unwrap();
    let e = Schema::infer(&path, "genre", Some(&o)).err().unwrap();
    assert_eq!(e.code, sys::GENRE_E_NOT_A_NUMBER);
    assert!(e.message.contains(":122: column 'x': 'abc'"), "{}", e.message);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn infer_bytes_errors_and_markers() {
    let data = table();
    let e = Schema::infer_bytes(data.as_bytes(), "m.csv", "nope", None).err().unwrap();
    assert_eq!(e.code, sys::GENRE_E_MISSING_COLUMN);
    let mut o = Schema::new().unwrap();
    o.set_i64(sys::GENRE_SCHEMA_INFER_MAX_LABEL_CLASSES, 3).unwrap();
    let e = Schema::infer_bytes(data.as_bytes(), "m.csv", "genre", Some(&o)).err().unwrap();
    assert_eq!(e.code, sys::GENRE_E_SCHEMA);
    let mut o = Schema::new().unwrap();
    o.add_missing_text(None, "-999").unwrap();
    let s = Schema::infer_bytes(b"v,y\n1,a\n-999,b\n3,a\n", "m.csv", "y", Some(&o)).unwrap();
    assert!(s.notes().unwrap().contains("marker \"-999\""));
    assert_eq!(Schema::new().unwrap().notes().unwrap(), "");
}
