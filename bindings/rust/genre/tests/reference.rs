// SPDX-License-Identifier: GPL-3.0-or-later
//! The end-to-end case of the Python suite: the frozen split, scaled, LDA,
//! MLP, AUROC; save/load round trips; errors; concurrent predict.
use genre::{metrics, sys, Dataset, Lda, MlpClassifier, Schema, StandardScaler};
use std::path::PathBuf;

const D: usize = 13;
const FEATURES: [&str; D] = ["popularity", "acousticness", "danceability", "duration_ms", "energy",
    "instrumentalness", "key", "liveness", "loudness", "mode", "speechiness", "tempo", "valence"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

struct Split {
    xtr: Vec<f64>,
    ytr: Vec<i32>,
    xte: Vec<f64>,
    yte: Vec<i32>,
}

/// tests/fixtures/real_split.csv.gz, read with libgenre's own CSV reader.
fn split() -> Split {
    let mut schema = Schema::new().unwrap();
    schema.add_column("set", sys::GENRE_COL_NUMERIC).unwrap();
    schema.add_column("label", sys::GENRE_COL_NUMERIC).unwrap();
    for f in FEATURES.iter() {
        schema.add_column(f, sys::GENRE_COL_NUMERIC).unwrap();
    }
    let ds = Dataset::read_csv(root().join("tests/fixtures/real_split.csv.gz"), &schema).unwrap();
    let mut cols = vec!["set", "label"];
    cols.extend_from_slice(&FEATURES);
    let m = ds.to_matrix(&cols).unwrap();
    let mut s = Split { xtr: vec![], ytr: vec![], xte: vec![], yte: vec![] };
    for row in m.chunks(D + 2) {
        let (x, y) = if row[0] == 0.0 { (&mut s.xtr, &mut s.ytr) } else { (&mut s.xte, &mut s.yte) };
        x.extend_from_slice(&row[2..]);
        y.push(row[1] as i32);
    }
    s
}

#[test]
fn reference_analysis_end_to_end() {
    let s = split();
    assert_eq!((s.ytr.len(), s.yte.len()), (45000, 5000));
    let mask: Vec<bool> = FEATURES.iter().map(|f| *f != "key" && *f != "mode").collect();
    let mut scaler = StandardScaler::new().unwrap();
    scaler.set_mask(Some(&mask)).unwrap();
    scaler.fit(&s.xtr, D).unwrap();
    let (ztr, zte) = (scaler.transform(&s.xtr, D).unwrap(), scaler.transform(&s.xte, D).unwrap());

    let mut lda = Lda::new().unwrap();
    lda.fit(&ztr, D, &s.ytr).unwrap();
    let r = lda.explained_variance_ratio().unwrap();
    assert_eq!(r.len(), 9);
    assert!((r[0] - 0.64).abs() < 0.01 && (r[1] - 0.17).abs() < 0.01, "{:?}", r);
    let lp = lda.predict_proba(&zte, D).unwrap();
    let lda_auc = metrics::roc_auc_ovr(&s.yte, &lp, 10, sys::GENRE_METRICS_AVERAGE_MACRO).unwrap();
    assert!(lda_auc > 0.85, "{}", lda_auc);

    let mut mlp = MlpClassifier::new().unwrap();
    mlp.set_hidden_layers(&[20, 15]).unwrap();
    mlp.set_i64(sys::GENRE_MLP_EPOCHS, 10).unwrap();
    mlp.set_i64(sys::GENRE_MLP_SEED, 20261125).unwrap();
    let mut epochs = vec![];
    mlp.fit_with_progress(&ztr, D, &s.ytr, |_, e, _, _| {
        epochs.push(e);
        true
    })
    .unwrap();
    assert_eq!(epochs, (1..=10).collect::<Vec<i64>>());
    let mp = mlp.predict_proba(&zte, D).unwrap();
    let auc = metrics::roc_auc_ovr(&s.yte, &mp, 10, sys::GENRE_METRICS_AVERAGE_MACRO).unwrap();
    println!("LDA test macro AUROC {:.4}, MLP {:.4}", lda_auc, auc);
    assert!(auc > 0.88 && auc <= 1.0, "{}", auc);

    // Save / load round trips give the same bits.
    let dir = std::env::temp_dir().join(format!("genre-rust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    mlp.save(dir.join("mlp.genre")).unwrap();
    let back = MlpClassifier::load(dir.join("mlp.genre")).unwrap();
    assert!(back.predict_proba(&zte, D).unwrap() == mp);
    let lda2 = Lda::from_bytes(&lda.to_bytes().unwrap()).unwrap();
    assert!(lda2.predict_proba(&zte, D).unwrap() == lp);
    let e = Lda::load(dir.join("mlp.genre")).err().unwrap();
    assert_eq!((e.code, e.name.as_str()), (sys::GENRE_E_MODEL_KIND, "GENRE_E_MODEL_KIND"));
    std::fs::remove_dir_all(&dir).unwrap();

    // Fitted models are Sync: predict from several threads at once.
    std::thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(|| assert!(mlp.predict_proba(&zte, D).unwrap() == mp));
        }
    });
}

#[test]
fn errors_carry_code_name_and_message() {
    let mut lda = Lda::new().unwrap();
    let e = lda.predict(&[1.0, 2.0], 2).unwrap_err();
    assert_eq!(e.code, sys::GENRE_E_BAD_STATE);
    assert_eq!(e.name, "GENRE_E_BAD_STATE");
    assert!(e.message.contains("genre_lda"), "{}", e);
    let x = [1.0, 2.0, f64::NAN, 4.0, 5.0, 6.0];
    let e = lda.fit(&x, 2, &[0, 1, 0]).unwrap_err();
    assert_eq!(e.code, sys::GENRE_E_NONFINITE);
    assert!(e.message.contains("row 1"), "{}", e);
    let e = lda.fit(&x[..5], 2, &[0, 1]).unwrap_err(); // not whole rows: caught in Rust
    assert_eq!(e.code, sys::GENRE_E_INVALID_ARG);
    let e = StandardScaler::load("/nonexistent/x.genre").err().unwrap();
    assert_eq!(e.code, sys::GENRE_E_IO);
    assert!(!genre::version().is_empty());
}

#[test]
fn progress_false_cancels_and_panic_propagates() {
    let x: Vec<f64> = (0..600).map(|i| ((i * 37) % 101) as f64 / 101.0).collect();
    let y: Vec<i32> = (0..200).map(|i| (i % 3) as i32).collect();
    let mut m = MlpClassifier::new().unwrap();
    m.set_hidden_layers(&[4]).unwrap();
    m.set_i64(sys::GENRE_MLP_EPOCHS, 50).unwrap();
    let e = m.fit_with_progress(&x, 3, &y, |_, e, _, _| e < 3).unwrap_err();
    assert_eq!(e.code, sys::GENRE_E_CANCELLED);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = m.fit_with_progress(&x, 3, &y, |_, e, _, _| {
            if e == 2 {
                panic!("stop here");
            }
            true
        });
    }));
    assert!(r.is_err());
    assert_eq!(m.predict(&x, 3).unwrap_err().code, sys::GENRE_E_BAD_STATE); // still unfitted
}
