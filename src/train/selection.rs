//! Model selection on the training data only (its folds come from `split.rs`): the grid of
//! candidate settings (L2 penalty × class-weight power) scored by cross-validation, and,
//! when no feature setting was given, a coordinate search over a small feature grid within
//! a time budget.

use std::time::Instant;

use linfa::traits::Fit;
use rayon::prelude::*;

use super::fitting::{logits_of, params, probabilities, training_set, vectors, Candidate};
use super::{TrainError, TrainOptions};
use crate::corpus::Example;
use crate::evaluate::Evaluation;
use crate::features::{FeatureExtractor, FeatureSettings, NgramRange, TargetFeatures};
use crate::progress::Progress;

/// Which cross-validation figure picks the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectBy {
    /// The corpus' official metric (SemEval F_avg, FNC-1 relative score), else macro-F1.
    Official,
    /// Macro-F1 over all classes.
    MacroF1,
    /// The mean of the official metric and macro-F1 (for FNC-1, whose relative score
    /// ignores the rare `disagree` class while macro-F1 does not).
    Mean,
}

/// Mean cross-validation figures of one candidate, in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvScore {
    /// The candidate.
    pub candidate: Candidate,
    /// Mean official metric (macro-F1 when the corpus has none).
    pub official: f64,
    /// Mean macro-F1.
    pub macro_f1: f64,
    /// Mean accuracy.
    pub accuracy: f64,
}

impl CvScore {
    /// The figure `select_by` maximises.
    pub fn criterion(&self, select_by: SelectBy) -> f64 {
        match select_by {
            SelectBy::Official => self.official,
            SelectBy::MacroF1 => self.macro_f1,
            SelectBy::Mean => (self.official + self.macro_f1) / 2.0,
        }
    }
}

/// The candidates of `options`: every L2 penalty with every class-weight power.
pub fn candidates(options: &TrainOptions) -> Vec<Candidate> {
    options
        .class_weight_powers
        .iter()
        .flat_map(|power| {
            options.l2_penalties.iter().map(|l2| Candidate {
                l2: *l2,
                class_weight_power: *power,
            })
        })
        .collect()
}

/// On a training part of at most this many documents the folds are cross-validated side by
/// side (rayon, one per thread), and the validation and final fits run side by side; on a
/// larger one, one at a time, so that memory holds one fold's feature matrix where that
/// matters (with character n-grams a document's features take kilobytes).
pub const SIDE_BY_SIDE_DOCUMENTS: usize = 50_000;

/// What cross-validation of one feature setting reads: the examples with their class
/// indices, the folds of the training part, and the setting.
pub struct CrossValidation<'a> {
    /// The training options (untargeted copies).
    pub options: &'a TrainOptions,
    /// The feature setting scored.
    pub settings: &'a FeatureSettings,
    /// Every example of the corpus.
    pub examples: &'a [Example],
    /// Each example's class, as an index into `labels`.
    pub targets: &'a [usize],
    /// The class names.
    pub labels: &'a [String],
    /// The folds: example indices of the training part.
    pub folds: &'a [Vec<usize>],
}

/// The order in which one fold fits the candidates of `grid`: by class-weight power, and
/// within one power from the largest L2 penalty down, so that each fit starts from the
/// previous one's weights: a regularisation path, along which the optimum moves little from
/// one penalty to the next, starting with the strongly penalised fit that converges fastest.
fn path_order(grid: &[Candidate]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..grid.len()).collect();
    order.sort_by(|a, b| {
        let (a, b) = (grid[*a], grid[*b]);
        a.class_weight_power
            .total_cmp(&b.class_weight_power)
            .then(b.l2.total_cmp(&a.l2))
    });
    order
}

impl CrossValidation<'_> {
    /// Mean validation figures of each candidate over the folds.
    pub fn scores(&self, grid: &[Candidate]) -> Result<Vec<CvScore>, TrainError> {
        let Self {
            settings, folds, ..
        } = *self;
        let progress = Progress::bar(
            (folds.len() * grid.len()) as u64,
            &format!("cross-validation, {}", describe(settings)),
        );
        let fold = |f: usize| self.fold_scores(f, grid, &progress);
        let documents: usize = folds.iter().map(Vec::len).sum();
        let per_fold: Vec<Vec<[f64; 3]>> = if documents <= SIDE_BY_SIDE_DOCUMENTS {
            (0..folds.len())
                .into_par_iter()
                .map(fold)
                .collect::<Result<_, _>>()?
        } else {
            (0..folds.len()).map(fold).collect::<Result<_, _>>()?
        };
        progress.finish_and_clear();
        let count = folds.len() as f64;
        Ok(grid
            .iter()
            .enumerate()
            .map(|(c, candidate)| {
                let [official, macro_f1, accuracy] =
                    per_fold.iter().fold([0.0; 3], |sum, scores| {
                        [
                            sum[0] + scores[c][0],
                            sum[1] + scores[c][1],
                            sum[2] + scores[c][2],
                        ]
                    });
                CvScore {
                    candidate: *candidate,
                    official: official / count,
                    macro_f1: macro_f1 / count,
                    accuracy: accuracy / count,
                }
            })
            .collect())
    }

    /// The held-out figures [official, macro-F1, accuracy] of every candidate of `grid` (in its
    /// order) on fold `held_out`, fitted on the other folds; `progress` counts each fit.
    fn fold_scores(
        &self,
        held_out: usize,
        grid: &[Candidate],
        progress: &Progress,
    ) -> Result<Vec<[f64; 3]>, TrainError> {
        let Self {
            options,
            settings,
            examples,
            targets,
            labels,
            folds,
        } = *self;
        let fit_on: Vec<usize> = folds
            .iter()
            .enumerate()
            .filter(|(g, _)| *g != held_out)
            .flat_map(|(_, fold)| fold.iter().copied())
            .collect();
        let docs: Vec<_> = fit_on.iter().map(|i| examples[*i].document()).collect();
        let extractor = FeatureExtractor::fit(settings.clone(), &docs)?;
        if held_out == 0 {
            eprintln!(
                "{}: {} features on {} documents",
                describe(settings),
                extractor.dimension(),
                fit_on.len()
            );
        }
        let held_out = &folds[held_out];
        let dataset = training_set(
            &extractor,
            examples,
            targets,
            &fit_on,
            options.untargeted_copies,
        );
        let truth: Vec<usize> = held_out.iter().map(|i| targets[*i]).collect();
        let held_out = vectors(&extractor, examples, held_out);
        let mut scores = vec![[0.0; 3]; grid.len()];
        let mut previous = None;
        for c in path_order(grid) {
            let mut params = params(labels, targets, &fit_on, grid[c]);
            if let Some(previous) = &previous {
                params = params.warm_start(previous);
            }
            let regression = params.fit(&dataset)?;
            let probabilities = probabilities(logits_of(&regression, &held_out), 1.0);
            let evaluation = Evaluation::compute(labels, &truth, &probabilities);
            let macro_f1 = evaluation.macro_f1 * 100.0;
            scores[c] = [
                evaluation.official.map_or(macro_f1, |o| o.value),
                macro_f1,
                evaluation.accuracy * 100.0,
            ];
            previous = Some(regression);
            progress.inc(1);
        }
        Ok(scores)
    }
}

/// The best of `scores` by `select_by` (the first of equals).
pub fn best(scores: &[CvScore], select_by: SelectBy) -> Option<CvScore> {
    scores.iter().copied().reduce(|best, score| {
        if score.criterion(select_by) > best.criterion(select_by) {
            score
        } else {
            best
        }
    })
}

/// One feature setting tried by the search, with its cross-validation figures.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTrial {
    /// The settings.
    pub settings: FeatureSettings,
    /// Every candidate's figures with these settings.
    pub scores: Vec<CvScore>,
    /// Wall time of its cross-validation, in seconds.
    pub seconds: f64,
}

/// What model selection chose.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The feature settings chosen (those given, without a search).
    pub settings: FeatureSettings,
    /// The candidates' figures with the chosen settings (empty with one candidate and no search).
    pub scores: Vec<CvScore>,
    /// Every feature setting tried, in order (one without a search).
    pub trials: Vec<FeatureTrial>,
    /// Settings of the grid not tried because the time budget would have run out.
    pub skipped: Vec<FeatureSettings>,
    /// The records of the random sample the feature settings were chosen on (`--streaming`),
    /// or `None` when they were chosen (or given) on the whole training part.
    pub sample_records: Option<usize>,
}

/// One setting the feature search varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchedSetting {
    /// Word n-gram lengths.
    WordNgrams,
    /// The minimum document frequency.
    MinDf,
    /// Character n-grams within words, on or off.
    CharNgrams,
}

impl SearchedSetting {
    /// `onto` with this setting taken from `from` (the coordinate search keeps the winners of
    /// earlier steps).
    fn apply(self, from: &FeatureSettings, onto: &FeatureSettings) -> FeatureSettings {
        let mut s = onto.clone();
        match self {
            Self::WordNgrams => s.word_ngrams = from.word_ngrams,
            Self::MinDf => s.min_df = from.min_df,
            Self::CharNgrams => s.char_ngrams = from.char_ngrams,
        }
        s
    }
}

/// The feature grid, as steps of a coordinate search from `base`: each step varies one
/// setting and lists its alternatives; the best so far is kept when none of them beats it.
/// Word n-grams 1–1 (against 1–2), min-df 5 (against 2), character n-grams 3–6 within words
/// (on/off); sublinear TF throughout. The steps run from the cheapest to the costliest:
/// character n-grams make several times the features of words, and every fit's cost grows
/// with them, so they are tried once, last, on the word settings already chosen (and are
/// the step a short `--budget` skips). Left out: min-df 1, which triples the features (and
/// the time) with character n-grams, and raw TF, whose fits converge several times slower;
/// neither beat the settings kept by more than the folds' noise (`--min-df 1`, `--raw-tf`
/// try them by hand). Mention features read the text their own way and take no character
/// n-grams, so that step is empty for them.
pub fn feature_steps(base: &FeatureSettings) -> Vec<(SearchedSetting, Vec<FeatureSettings>)> {
    let with = |change: &dyn Fn(&mut FeatureSettings)| {
        let mut s = base.clone();
        change(&mut s);
        s
    };
    let characters = with(&|s| s.char_ngrams = Some(NgramRange { min: 3, max: 6 }));
    vec![
        (
            SearchedSetting::WordNgrams,
            vec![with(&|s| s.word_ngrams = NgramRange { min: 1, max: 1 })],
        ),
        (SearchedSetting::MinDf, vec![with(&|s| s.min_df = 5)]),
        (
            SearchedSetting::CharNgrams,
            if characters.validate().is_ok() {
                vec![characters]
            } else {
                Vec::new()
            },
        ),
    ]
}

/// The candidates whose L2 penalty is the best one's or next to it in the sorted grid: the
/// feature settings after the first are scored on these only, which saves the fits far from
/// the optimum (a penalty moves by about one grid step between feature settings).
fn neighbours(options: &TrainOptions, best: Candidate) -> Vec<Candidate> {
    let mut penalties = options.l2_penalties.clone();
    penalties.sort_by(f64::total_cmp);
    penalties.dedup();
    let at = penalties.iter().position(|p| *p == best.l2).unwrap_or(0);
    let window = &penalties[at.saturating_sub(1)..(at + 2).min(penalties.len())];
    candidates(options)
        .into_iter()
        .filter(|c| window.contains(&c.l2))
        .collect()
}

/// Chooses the candidate (L2 penalty × class-weight power) and, with `options.search_features`,
/// the feature settings too, by cross-validation on `folds`, within `options.budget`
/// counted from `started`: a setting whose cross-validation would end past the budget (its
/// time estimated from the settings tried so far) is skipped and reported.
pub fn select(
    options: &TrainOptions,
    base: &FeatureSettings,
    examples: &[Example],
    targets: &[usize],
    labels: &[String],
    folds: &[Vec<usize>],
    started: Instant,
) -> Result<Selection, TrainError> {
    let grid = candidates(options);
    if grid.len() == 1 && !options.search_features {
        return Ok(Selection {
            settings: base.clone(),
            scores: Vec::new(),
            trials: Vec::new(),
            skipped: Vec::new(),
            sample_records: None,
        });
    }
    if folds.len() < 2 {
        return Err(TrainError::TooFewFolds {
            path: options.data.clone(),
            filled: folds.len(),
            documents: folds.iter().map(Vec::len).sum(),
        });
    }
    let try_settings =
        |settings: &FeatureSettings, grid: &[Candidate]| -> Result<FeatureTrial, TrainError> {
            let begun = Instant::now();
            let scores = CrossValidation {
                options,
                settings,
                examples,
                targets,
                labels,
                folds,
            }
            .scores(grid)?;
            Ok(FeatureTrial {
                settings: settings.clone(),
                scores,
                seconds: begun.elapsed().as_secs_f64(),
            })
        };
    let mut trials = vec![try_settings(base, &grid)?];
    let mut skipped = Vec::new();
    let mut current = 0;
    if options.search_features {
        let criterion = |t: &FeatureTrial| {
            best(&t.scores, options.select_by).map_or(f64::MIN, |s| s.criterion(options.select_by))
        };
        for (setting, alternatives) in feature_steps(base) {
            for alternative in alternatives {
                let settings = setting.apply(&alternative, &trials[current].settings);
                let estimate = estimated_seconds(&trials, &settings);
                let elapsed = started.elapsed().as_secs_f64();
                if elapsed + estimate > options.budget.as_secs_f64() {
                    skipped.push(settings);
                    continue;
                }
                let nearby = best(&trials[current].scores, options.select_by)
                    .map_or_else(|| grid.clone(), |b| neighbours(options, b.candidate));
                let trial = try_settings(&settings, &nearby)?;
                let improves = criterion(&trial) > criterion(&trials[current]);
                trials.push(trial);
                if improves {
                    current = trials.len() - 1;
                }
            }
        }
    }
    Ok(Selection {
        settings: trials[current].settings.clone(),
        scores: trials[current].scores.clone(),
        trials,
        skipped,
        sample_records: None,
    })
}

/// The expected cross-validation time of `settings`: that of the last trial with the same
/// character n-gram setting, else three times the first trial's (character n-grams make
/// several times the features of words).
fn estimated_seconds(trials: &[FeatureTrial], settings: &FeatureSettings) -> f64 {
    trials
        .iter()
        .rev()
        .find(|t| t.settings.char_ngrams.is_some() == settings.char_ngrams.is_some())
        .map_or_else(
            || 3.0 * trials.first().map_or(0.0, |t| t.seconds),
            |t| t.seconds,
        )
}

/// The feature settings in the words of the command line.
pub fn describe(settings: &FeatureSettings) -> String {
    let range = |r: NgramRange| format!("{}-{}", r.min, r.max);
    let target = match settings.target_features {
        TargetFeatures::Ignore => "",
        TargetFeatures::PerTarget => ", per-target",
        TargetFeatures::Claim => ", claim features",
        TargetFeatures::Mention(_) => ", mention features",
    };
    format!(
        "words {}, chars {}, min-df {}, {} TF{target}",
        range(settings.word_ngrams),
        settings.char_ngrams.map_or("off".to_string(), range),
        settings.min_df,
        if settings.sublinear_tf {
            "sublinear"
        } else {
            "raw"
        }
    )
}

/// Warnings when the chosen L2 penalty or class-weight power is at the edge of a grid of
/// several values: the best value may lie beyond it.
pub fn edge_warnings(options: &TrainOptions, chosen: Candidate) -> Vec<String> {
    let mut warnings = Vec::new();
    let edge = |values: &[f64], value: f64| -> Option<bool> {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (values.len() > 1 && (value == min || value == max)).then_some(value == min)
    };
    if let Some(lowest) = edge(&options.l2_penalties, chosen.l2) {
        let (which, hint) = if lowest {
            ("smallest", format!("{:e}", chosen.l2 / 3.0))
        } else {
            ("largest", format!("{:e}", chosen.l2 * 3.0))
        };
        warnings.push(format!(
            "cross-validation chose the {which} L2 penalty of the grid ({:e}); the best may lie \
             beyond it: add {hint} to --l2",
            chosen.l2
        ));
    }
    if let Some(lowest) = edge(&options.class_weight_powers, chosen.class_weight_power) {
        if !(lowest && chosen.class_weight_power == 0.0) {
            let which = if lowest { "smallest" } else { "largest" };
            warnings.push(format!(
                "cross-validation chose the {which} class-weight power of the grid ({}); the \
                 best may lie beyond it: extend --class-weight-power {}",
                chosen.class_weight_power,
                if lowest { "down" } else { "up" }
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_criterion_follows_select_by() {
        let score = CvScore {
            candidate: Candidate {
                l2: 1e-4,
                class_weight_power: 0.5,
            },
            official: 80.0,
            macro_f1: 60.0,
            accuracy: 90.0,
        };
        assert_eq!(score.criterion(SelectBy::Official), 80.0);
        assert_eq!(score.criterion(SelectBy::MacroF1), 60.0);
        assert_eq!(score.criterion(SelectBy::Mean), 70.0);
    }

    fn options(l2: &[f64], powers: &[f64]) -> TrainOptions {
        TrainOptions {
            task: crate::model::Task::Topic,
            data: Default::default(),
            fields: Default::default(),
            name: "x".into(),
            out_dir: Default::default(),
            validation: 0.1,
            seed: 1,
            features: FeatureSettings::default(),
            target_features: None,
            l2_penalties: l2.to_vec(),
            folds: 3,
            class_weight_powers: powers.to_vec(),
            select_by: SelectBy::Official,
            untargeted_copies: 0.0,
            search_features: false,
            budget: std::time::Duration::from_secs(1),
            command: String::new(),
        }
    }

    #[test]
    fn edges_of_the_grid_are_named_with_the_way_to_extend_it() {
        let grid = options(&[1e-5, 1e-4, 1e-3], &[0.0, 1.0]);
        let at = |l2, class_weight_power| Candidate {
            l2,
            class_weight_power,
        };
        assert!(edge_warnings(&grid, at(1e-4, 0.0)).is_empty());
        let low = edge_warnings(&grid, at(1e-5, 0.0));
        assert_eq!(low.len(), 1);
        assert!(
            low[0].contains("smallest L2 penalty") && low[0].contains("add 3.3"),
            "{low:?}"
        );
        let high = edge_warnings(&grid, at(1e-3, 1.0));
        assert_eq!(high.len(), 2, "{high:?}");
        assert!(
            high[0].contains("largest L2 penalty") && high[0].contains("add 3e-3"),
            "{high:?}"
        );
        assert!(edge_warnings(&options(&[1e-4], &[0.0]), at(1e-4, 0.0)).is_empty());
    }

    #[test]
    fn mention_features_are_searched_without_character_ngrams() {
        let mention = FeatureSettings {
            target_features: TargetFeatures::Mention(crate::features::MentionSettings::default()),
            ..FeatureSettings::default()
        };
        let steps = feature_steps(&mention);
        for (setting, alternatives) in &steps {
            assert_eq!(
                alternatives.is_empty(),
                *setting == SearchedSetting::CharNgrams,
                "{setting:?}: {alternatives:?}"
            );
            for settings in alternatives {
                settings
                    .validate()
                    .expect("every setting of the grid is valid");
            }
        }
        let plain = feature_steps(&FeatureSettings::default());
        let (last, characters) = plain.last().expect("steps");
        assert_eq!(
            *last,
            SearchedSetting::CharNgrams,
            "the costliest step comes last"
        );
        assert!(characters[0].char_ngrams.is_some());
        assert!(
            describe(&mention).ends_with("mention features"),
            "{}",
            describe(&mention)
        );
    }

    #[test]
    fn each_fold_walks_the_penalties_down_within_one_class_weight_power() {
        let grid = candidates(&options(&[1e-5, 1e-3, 1e-4], &[1.0, 0.0]));
        let walked: Vec<(f64, f64)> = path_order(&grid)
            .into_iter()
            .map(|c| (grid[c].class_weight_power, grid[c].l2))
            .collect();
        assert_eq!(
            walked,
            [
                (0.0, 1e-3),
                (0.0, 1e-4),
                (0.0, 1e-5),
                (1.0, 1e-3),
                (1.0, 1e-4),
                (1.0, 1e-5)
            ]
        );
    }
}
