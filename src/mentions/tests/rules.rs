//! Each matching rule, with its negative cases.

use super::*;
use MentionKind::*;

#[test]
fn names_aliases_demonyms_capitals_and_seats_match_with_their_kind() {
    let text = "America and the United States of America: Americans in Washington \
                and the White House; an American said.";
    assert_eq!(
        found("United States", text),
        [
            ("America", Alias),
            ("United States of America", Alias),
            ("Americans", Demonym),
            ("Washington", Capital),
            ("White House", Seat),
            ("American", Demonym)
        ]
    );
    assert_eq!(
        found(
            "Iran",
            "Iran, Iranians and Tehran; the Iranian side; Persia."
        ),
        [
            ("Iran", Name),
            ("Iranians", Demonym),
            ("Tehran", Capital),
            ("Iranian", Demonym),
            ("Persia", Alias)
        ]
    );
    assert_eq!(
        found("Russia", "The Kremlin said Moscow would reply."),
        [("Kremlin", Seat), ("Moscow", Capital)]
    );
}

#[test]
fn whole_words_only() {
    assert!(spans("Iran", "Tirana and Iranic studies; Irani; Iraq and Iraqis.").is_empty());
    assert_eq!(
        spans("Iran", "Iran-backed and pro-Iranian militias"),
        ["Iran", "Iranian"]
    );
    assert!(spans("Niger", "Nigeria and Nigerians").is_empty());
    assert_eq!(spans("Niger", "Niger's army, and Nigeria's."), ["Niger"]);
    assert!(spans("Nigeria", "Niger and Nigeriens").is_empty());
    assert_eq!(spans("US", "U.S.-led forces"), ["U.S."]);
    assert!(spans("US", "the U.S.S.R. and USB sticks").is_empty());
    assert!(spans("Oman", "Omanis? A woman and Romania.").len() == 1);
}

#[test]
fn capitals_only_forms_match_only_in_capitals() {
    assert_eq!(
        spans("United States", "Tell us what the US and the U.S. want."),
        ["US", "U.S."]
    );
    assert!(spans("United States", "let us go; Us and uS").is_empty());
    assert_eq!(
        spans("United Nations", "The UN and the U.N. met; un, Un."),
        ["UN", "U.N."]
    );
    assert_eq!(spans("IRGC", "The IRGC, Irgc and irgc."), ["IRGC"]);
    // A capitalised form: any case with its capital ("IRAN"), never all lower case.
    assert_eq!(spans("Iran", "IRAN and Iran, not iran."), ["IRAN", "Iran"]);
    assert!(spans("Turkey", "roast turkey").is_empty());
    assert_eq!(spans("Turkey", "Turkey and TURKEY"), ["Turkey", "TURKEY"]);
    // Written in lower case: any case.
    assert_eq!(
        spans("al-Qaeda", "Al-Qaeda and al-Qaeda and al Qaida"),
        ["Al-Qaeda", "al-Qaeda", "al Qaida"]
    );
    // British spellings of acronyms are listed as aliases of their own.
    assert_eq!(spans("NATO", "Nato and NATO"), ["Nato", "NATO"]);
}

#[test]
fn dotted_and_undotted_abbreviations() {
    assert_eq!(spans("UAE", "the UAE and the U.A.E."), ["UAE", "U.A.E."]);
    assert_eq!(
        spans("UK", "the UK, the U.K. and Britain"),
        ["UK", "U.K.", "Britain"]
    );
    assert_eq!(
        spans("United States", "in the U.S.A. and the USA"),
        ["U.S.A.", "USA"]
    );
}

#[test]
fn possessives_cover_the_name_without_the_s() {
    assert_eq!(spans("Iran", "Iran's and Iran’s leaders"), ["Iran", "Iran"]);
    assert_eq!(
        spans("Hamas", "Hamas' rockets and Hamas's"),
        ["Hamas", "Hamas"]
    );
    assert_eq!(
        found("Qasem Soleimani", "Soleimani’s funeral"),
        [("Soleimani", PartialName)]
    );
    assert_eq!(
        found("Qasem Soleimani", "Qasem Soleimani's"),
        [("Qasem Soleimani", Name)]
    );
}

#[test]
fn diacritics_and_typography_fold() {
    assert_eq!(
        spans("Colombia", "in Bogotá and Bogota"),
        ["Bogotá", "Bogota"]
    );
    assert_eq!(
        spans("Ivory Coast", "Côte d’Ivoire and Cote d'Ivoire"),
        ["Côte d’Ivoire", "Cote d'Ivoire"]
    );
    assert_eq!(
        spans("Türkiye", "Turkiye, Türkiye and Turkey"),
        ["Turkiye", "Türkiye", "Turkey"]
    );
    assert_eq!(
        spans("France", "l’Élysée and the ELYSEE"),
        ["Élysée", "ELYSEE"]
    );
    assert_eq!(
        spans("Qasem Soleimani", "Qasem Solei\u{AD}mani"),
        ["Qasem Solei\u{AD}mani"]
    );
    assert_eq!(spans("Iran", "Iran\u{A0}and\u{2009}Iran"), ["Iran", "Iran"]);
}

#[test]
fn longest_match_wins_over_names_inside_other_names() {
    assert!(spans("Sudan", "South Sudan and South Sudanese").is_empty());
    assert_eq!(
        spans("Sudan", "Sudan and South Sudan; Sudanese"),
        ["Sudan", "Sudanese"]
    );
    assert!(spans(
        "Guinea",
        "Papua New Guinea, Equatorial Guinea, Guinea-Bissau, New Guinea"
    )
    .is_empty());
    assert!(spans(
        "United States",
        "American Samoa; Latin American; New Mexico"
    )
    .is_empty());
    assert!(spans("Mexico", "New Mexico and the Gulf of Mexico").is_empty());
    assert_eq!(
        spans("Mexico", "Mexico City and Mexico"),
        ["Mexico City", "Mexico"]
    );
    assert!(spans("Hezbollah", "Kataib Hezbollah fighters").is_empty());
    assert_eq!(
        spans("Hezbollah", "Hezbollah and Hizbollah"),
        ["Hezbollah", "Hizbollah"]
    );
    assert!(spans("China", "the Republic of China and Chinese Taipei").is_empty());
    assert_eq!(
        spans("China", "the People's Republic of China"),
        ["People's Republic of China"]
    );
    // A body named for a place still mentions it.
    assert_eq!(spans("United States", "the US State Department"), ["US"]);
    assert_eq!(
        spans("State Department", "the US State Department"),
        ["US State Department"]
    );
}

#[test]
fn variant_spellings_of_untabled_names() {
    let text = "Qassem Soleimani, Qasem Suleimani, Gen. Qassim Soleimani and Suleimani";
    assert_eq!(
        found("Qasem Soleimani", text),
        [
            ("Qassem Soleimani", Variant),
            ("Qasem Suleimani", Variant),
            ("Soleimani", PartialName),
            ("Suleimani", Variant)
        ]
    );
    // Short tokens and other consonants never vary.
    assert!(spans("Barack Obama", "Osama bin Laden").is_empty());
    assert!(spans("Lee Kuan", "Leo Kuen").is_empty());
    // Nor does a vowel added at the end: Browne is another name.
    assert!(spans("Gordon Brown", "Lord Browne").is_empty());
    assert_eq!(
        spans("Ahmadinejad", "Ahmadinijad and Ahmedinejad"),
        ["Ahmadinijad", "Ahmedinejad"]
    );
    // A table word is never a variant of a name.
    assert!(spans("Malia", "Mali and Malian troops").is_empty());
    assert!(spans("Ben Kenyon", "Kenyan runners").is_empty());
    // Tabled names never vary.
    assert!(spans("Iran", "Iraq and Irak").is_empty());
    assert!(spans("Austria", "Australia and Austrian").len() == 1);
    assert!(spans("Soleimani", "Solimani said").len() == 1);
}

#[test]
fn partial_names_are_capitalised_last_names() {
    let target = "General Qasem Soleimani";
    assert_eq!(
        spans(
            target,
            "General Soleimani, Gen. Soleimani, Mr Soleimani and Soleimani"
        ),
        ["Soleimani", "Soleimani", "Soleimani", "Soleimani"]
    );
    assert_eq!(
        spans(target, "Qasem Soleimani was killed"),
        ["Qasem Soleimani"]
    );
    assert!(spans(target, "soleimani in lower case").is_empty());
    assert!(spans("Quds Force", "the Force and the force").is_empty());
    // Another person with the same last name is not the target; at the very start of a
    // sentence the word before could be any word, and the last name is taken.
    assert_eq!(
        spans(
            "Hillary Clinton",
            "Then Bill Clinton met Mrs Clinton. Clinton said"
        ),
        ["Clinton", "Clinton"]
    );
    assert_eq!(spans("Hillary Clinton", "Bill Clinton"), ["Clinton"]);
    assert_eq!(
        spans("hillary clinton", "Hillary Clinton and H. Clinton"),
        ["Hillary Clinton", "Clinton"]
    );
    assert_eq!(
        spans(
            "Abu Mahdi al-Muhandis",
            "Abu Mahdi al-Muhandis and al-Muhandis"
        ),
        ["Abu Mahdi al-Muhandis", "Muhandis"]
    );
    // A single-word target is its word.
    assert_eq!(
        found("Trump", "Trump and Mr Trump"),
        [("Trump", Name), ("Trump", Name)]
    );
}

#[test]
fn a_target_with_no_word_finds_nothing() {
    assert!(found("", "Iran").is_empty());
    assert!(found(" .. ", "Iran").is_empty());
    assert!(MentionFinder::new("?", shipped()).entry().is_none());
}
