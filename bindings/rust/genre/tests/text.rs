// SPDX-License-Identifier: GPL-3.0-or-later
//! The text module and CSR input to the MLP from Rust.
use genre::{sys, Csr, MlpClassifier, TextHasher};

#[test]
fn hash_has_the_documented_golden_values() {
    assert_eq!(genre::text_hash(b"", 0), 0);
    assert_eq!(genre::text_hash(b"", 1), 0x514e28b7);
    assert_eq!(genre::text_hash(b"hello", 0), 0x248bfa47);
}

#[test]
fn hashed_names_train_a_csr_mlp() {
    // Three "genres" told apart by their artist's name only.
    let artists = ["Björk", "Miles Davis", "Daft Punk"];
    let mut names: Vec<String> = Vec::new();
    let mut y = Vec::new();
    for i in 0..120 {
        names.push(artists[i % 3].to_string());
        names.push(format!("track {}", i));
        y.push((i % 3) as i32);
    }
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let mut t = TextHasher::new().unwrap();
    t.set_i64(sys::GENRE_TEXT_N_BUCKETS, 256).unwrap();
    t.fit(&refs, 2).unwrap();
    let x = t.transform(&refs, 2).unwrap();
    assert_eq!(x.n_rows(), 120);
    assert_eq!(x.n_cols, 512);
    let audio: Vec<f64> = (0..120).map(|i| (i as f64) / 120.0).collect();
    let xa = x.append_dense(&audio, 1).unwrap();
    assert_eq!(xa.n_cols, 513);
    assert_eq!(xa.nnz(), x.nnz() + 120);

    let mut m = MlpClassifier::new().unwrap();
    m.set_hidden_layers(&[8]).unwrap();
    m.set_i64(sys::GENRE_MLP_EPOCHS, 30).unwrap();
    m.set_f64(sys::GENRE_MLP_LEARNING_RATE, 0.01).unwrap();
    m.fit_csr(&xa, &y).unwrap();
    let p = m.predict_proba_csr(&xa).unwrap();
    let right = p.chunks(3).zip(&y).filter(|(r, &c)| {
        r.iter().cloned().fold(f64::MIN, f64::max) == r[c as usize]
    }).count();
    assert!(right >= 114, "{} of 120 right", right);

    // Save/load keeps the vectoriser.
    let t2 = TextHasher::from_bytes(&t.to_bytes().unwrap()).unwrap();
    assert_eq!(t2.transform(&refs, 2).unwrap(), x);
}

#[test]
fn a_bad_csr_is_an_error_not_a_crash() {
    let bad = Csr { row_ptr: vec![0, 1], col_idx: vec![7], values: vec![1.0], n_cols: 4 };
    let mut m = MlpClassifier::new().unwrap();
    let e = m.fit_csr(&bad, &[0]).unwrap_err();
    assert_eq!(e.code, sys::GENRE_E_INVALID_ARG);
    let short = Csr { row_ptr: vec![0, 2], col_idx: vec![0], values: vec![1.0], n_cols: 4 };
    assert!(m.fit_csr(&short, &[0]).is_err());
}
