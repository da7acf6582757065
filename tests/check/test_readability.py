"""Tests for handout/check/readability.py: syllables, sentences, HTML text, scores."""

import math

import pytest

from handout.check.readability import count_syllables, measure, plain_text_from_html, split_sentences


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("the", 1),
        ("blood", 1),
        ("makes", 1),
        ("helped", 1),
        ("table", 2),
        ("people", 2),
        ("changes", 2),
        ("wanted", 2),
        ("someone", 2),
        ("likely", 2),
        ("every", 3),
        ("medicine", 3),
        ("ketamine", 3),
        ("idea", 3),
        ("anxiety", 4),
        ("serotonin", 4),
        ("usually", 4),
        ("esketamine", 4),
        ("dissociation", 5),
        ("antidepressant", 5),
        ("Ketamine", 3),
    ],
)
def test_count_syllables_known_words(word, syllables):
    assert count_syllables(word) == syllables


@pytest.mark.parametrize("token", ["988", "2019", "FDA", "IV", "SSRIs", "NMDA", "0.5", "mg/kg", "U.S.", "e.g."])
def test_numbers_and_abbreviations_count_one_to_three(token):
    assert 1 <= count_syllables(token) <= 3


def test_count_syllables_at_least_one_and_zero_for_empty():
    assert count_syllables("mg") == 1
    assert count_syllables("a") == 1
    assert count_syllables("") == 0


def test_split_sentences_keeps_abbreviations_and_decimals_whole():
    text = (
        "Some people, e.g. adults, need help. Dr. Lee gave 0.5 mg/kg over 40 minutes. "
        "The U.S. Food and Drug Administration agreed. Is it safe? Yes! Ask again."
    )
    assert split_sentences(text) == [
        "Some people, e.g. adults, need help.",
        "Dr. Lee gave 0.5 mg/kg over 40 minutes.",
        "The U.S. Food and Drug Administration agreed.",
        "Is it safe?",
        "Yes!",
        "Ask again.",
    ]


def test_split_sentences_blank_line_ends_a_sentence():
    assert split_sentences("A heading\n\nA sentence. Another one.") == [
        "A heading",
        "A sentence.",
        "Another one.",
    ]


def test_split_sentences_starting_with_number():
    assert split_sentences("It was done at 4 weeks. 59 out of 100 got better.") == [
        "It was done at 4 weeks.",
        "59 out of 100 got better.",
    ]


def test_plain_text_list_items_become_sentences_and_note_refs_drop():
    html = (
        "<h2>Side effects</h2>"
        '<p>You may feel sick.<sup>1</sup> Tell your nurse<a class="noteref" href="#n2">2</a>.</p>'
        "<ul><li>Nausea</li><li>Dizziness:</li><li>Headache<sup>3,4</sup></li></ul>"
        "<script>var x = 1;</script>"
    )
    text = plain_text_from_html(html)
    assert split_sentences(text) == [
        "Side effects.",
        "You may feel sick.",
        "Tell your nurse.",
        "Nausea.",
        "Dizziness.",
        "Headache.",
    ]
    assert not any(ch.isdigit() for ch in text)
    assert "var" not in text


def test_plain_text_tables_definitions_and_breaks():
    html = (
        "<table><tr><th>Medicine</th><th>Speed</th></tr><tr><td>Tablets</td><td>Weeks</td></tr></table>"
        "<dl><dt>Placebo</dt><dd>A dummy treatment</dd></dl><p>Line one<br>line two</p>"
        "<p>Water is H<sub>2</sub>O and x<sup>2nd</sup> time.</p>"
    )
    assert split_sentences(plain_text_from_html(html)) == [
        "Medicine.",
        "Speed.",
        "Tablets.",
        "Weeks.",
        "Placebo.",
        "A dummy treatment.",
        "Line one.",
        "line two.",
        "Water is H2O and x2nd time.",
    ]


def test_plain_text_decodes_entities():
    assert plain_text_from_html("<p>Risks &amp; benefits&nbsp;compared</p>") == "Risks & benefits compared."


def test_simple_text_scores_lower_than_complex_text():
    simple = "You take a pill each day. It can help you feel better. Ask your nurse if you feel worse."
    complex_ = (
        "Pharmacological antidepressant interventions demonstrate statistically significant "
        "efficacy relative to placebo, notwithstanding considerable heterogeneity between "
        "investigational populations and methodological characteristics."
    )
    easy, hard = measure(simple), measure(complex_)
    assert easy.flesch_kincaid_grade < hard.flesch_kincaid_grade
    assert easy.smog < hard.smog
    assert easy.coleman_liau < hard.coleman_liau
    assert easy.flesch_kincaid_grade < 6 < 16 < hard.flesch_kincaid_grade


def test_known_values_by_hand():
    # Depression(3) is(1) common(2). It(1) can(1) be(1) treated(2).
    # 7 words, 2 sentences, 11 syllables, 1 polysyllable, 32 letters.
    result = measure("Depression is common. It can be treated.")
    assert (result.words, result.sentences, result.syllables) == (7, 2, 11)
    assert (result.polysyllables, result.letters) == (1, 32)
    # 0.39 * 7/2 + 11.8 * 11/7 - 15.59
    assert result.flesch_kincaid_grade == pytest.approx(4.317857, abs=1e-5)
    # 1.0430 * sqrt(1 * 30 / 2) + 3.1291
    assert result.smog == pytest.approx(1.0430 * math.sqrt(15) + 3.1291, abs=1e-9)
    assert result.smog == pytest.approx(7.168621, abs=1e-5)
    # 0.0588 * (32/7*100) - 0.296 * (2/7*100) - 15.8
    assert result.coleman_liau == pytest.approx(2.622857, abs=1e-5)


def test_hardest_sentences_sorted_descending():
    text = (
        "The cat sat on the mat. "
        "Antidepressant medications occasionally necessitate considerable adjustment periods. "
        "We went home after that. "
        "Esketamine treatment requires monitoring afterwards. "
        "Yes."
    )
    result = measure(text)
    grades = [grade for _, grade in result.hardest]
    assert grades == sorted(grades, reverse=True)
    assert result.hardest[0][0].startswith("Antidepressant medications")
    assert len(result.hardest) <= 5
    assert all(sentence != "Yes." for sentence, _ in result.hardest)


def test_empty_text_gives_zeros():
    for text in ("", "   ", "...", "<p></p>"):
        result = measure(plain_text_from_html(text) if text.startswith("<") else text)
        assert result.words == result.sentences == result.syllables == 0
        assert result.flesch_kincaid_grade == result.smog == result.coleman_liau == 0.0
        assert result.hardest == ()


def test_readability_is_frozen():
    result = measure("Short text.")
    with pytest.raises(AttributeError):
        result.words = 3
