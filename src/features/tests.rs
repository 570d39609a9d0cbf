//! Unit tests of feature extraction: normalised sorted vectors, document-frequency pruning,
//! per-target copies and multi-byte character n-grams (the sublinear TF table is tested in
//! `weighing`).

use super::*;

fn docs() -> Vec<Document<'static>> {
    ["the cat sat", "the dog sat", "a cat and a dog"]
        .into_iter()
        .map(Document::new)
        .collect()
}

#[test]
fn vectors_are_normalised_and_sorted() {
    let settings = FeatureSettings {
        min_df: 1,
        ..Default::default()
    };
    let extractor = FeatureExtractor::fit(settings, &docs()).expect("fit");
    let v = extractor.transform(
        &Document::new("The cat sat, the cat"),
        &mut Scratch::default(),
    );
    assert!(v.indices.windows(2).all(|w| w[0] < w[1]));
    let norm: f32 = v.values.iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-5);
    let unknown = extractor.transform(&Document::new("zebra"), &mut Scratch::default());
    assert!(unknown.indices.is_empty());
}

#[test]
fn min_df_prunes_rare_features() {
    let settings = FeatureSettings {
        min_df: 2,
        word_ngrams: NgramRange { min: 1, max: 1 },
        ..Default::default()
    };
    let extractor = FeatureExtractor::fit(settings, &docs()).expect("fit");
    // the, sat, cat and dog occur in two documents each; "a" and "and" in one.
    assert_eq!(extractor.dimension(), 4);
}

#[test]
fn per_target_features_fall_back_to_shared_ones() {
    let settings = FeatureSettings {
        min_df: 1,
        target_features: TargetFeatures::PerTarget,
        ..Default::default()
    };
    let mut training = docs();
    training.iter_mut().for_each(|d| d.target = Some("Cats"));
    let extractor = FeatureExtractor::fit(settings, &training).expect("fit");
    let mut scratch = Scratch::default();
    let seen = Document {
        target: Some("cats"),
        ..Document::new("the cat")
    };
    let unseen = Document {
        target: Some("Dogs"),
        ..Document::new("the cat")
    };
    let with_seen = extractor.transform(&seen, &mut scratch).indices.len();
    let with_unseen = extractor.transform(&unseen, &mut scratch).indices.len();
    assert_eq!(with_seen, 2 * with_unseen);
    assert!(with_unseen > 0);
}

#[test]
fn char_ngrams_respect_multibyte_letters() {
    let settings = FeatureSettings {
        min_df: 1,
        char_ngrams: Some(NgramRange { min: 2, max: 4 }),
        ..Default::default()
    };
    let extractor = FeatureExtractor::fit(settings, &[Document::new("Zürich Ωμέγα")]);
    assert!(extractor.is_ok());
    assert!(FeatureSettings {
        word_ngrams: NgramRange { min: 0, max: 1 },
        ..Default::default()
    }
    .validate()
    .is_err());
}

#[test]
fn the_stored_layout_of_the_settings_is_unchanged() {
    // Model files hold the settings in this exact layout (see `FeatureSettings`): fields in
    // declaration order, enum variants by index. A change here breaks the shipped models.
    let settings = FeatureSettings {
        word_ngrams: NgramRange { min: 1, max: 3 },
        char_ngrams: Some(NgramRange { min: 2, max: 5 }),
        sublinear_tf: true,
        min_df: 300,
        max_features: Some(7),
        target_features: TargetFeatures::Claim,
    };
    let bytes = postcard::to_stdvec(&settings).expect("encode");
    assert_eq!(bytes, [1, 3, 1, 2, 5, 1, 0xac, 0x02, 1, 7, 2]);
    let variants = [
        TargetFeatures::Ignore,
        TargetFeatures::PerTarget,
        TargetFeatures::Claim,
    ];
    for (index, variant) in variants.into_iter().enumerate() {
        assert_eq!(
            postcard::to_stdvec(&variant).expect("encode"),
            [index as u8]
        );
    }
    // The mention variant is the fourth, its settings (windows, between reach) after it.
    let mention = TargetFeatures::Mention(MentionSettings::default());
    assert_eq!(
        postcard::to_stdvec(&mention).expect("encode"),
        [3, 2, 4, 8, 8]
    );
}
