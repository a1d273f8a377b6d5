"""Sentence segmentation on the hard cases of real (and scraped) news text."""

from service.segmenter import split_sentences


def test_abbreviations_do_not_split() -> None:
    text = "He met Dr. Smith at No. 10 Downing St. in the U.S. on Monday. It went well."
    assert split_sentences(text) == ["He met Dr. Smith at No. 10 Downing St. in the U.S. on Monday.", "It went well."]


def test_quotes_with_inner_question_stay_whole() -> None:
    text = '"Is my science of a level consistent with other people who have gotten the Nobel? Yes," he said. He smiled.'
    assert split_sentences(text)[0].startswith('"Is my science') and split_sentences(text)[0].endswith("he said.")
    assert len(split_sentences(text)) == 2


def test_glued_sentences_from_scraping_are_separated() -> None:
    text = "It was vilified by the scientific community.Dr Venter has certainly not gained a reputation for modesty."
    assert split_sentences(text) == ["It was vilified by the scientific community.", "Dr Venter has certainly not gained a reputation for modesty."]


def test_decimals_and_urls_are_not_glue() -> None:
    text = "Shares rose 2.5% to $3.75 on bbc.co.uk reports. Then they fell."
    assert split_sentences(text) == ["Shares rose 2.5% to $3.75 on bbc.co.uk reports.", "Then they fell."]


def test_share_widget_and_media_player_words_are_dropped() -> None:
    text = (
        "The review said there was no consensus.Share this withEmailFacebookMessengerMessengerTwitterPinterestWhatsAppLinkedInCopy this link"
        "A new tax was proposed. Media playback is not supported on this deviceThe minister agreed."
    )
    sentences = split_sentences(text)
    assert sentences == ["The review said there was no consensus.", "A new tax was proposed.", "The minister agreed."]


def test_datelines_are_removed_from_the_first_sentence() -> None:
    assert split_sentences("BEIRUT (Reuters) - Rebels took the city. More later.")[0] == "Rebels took the city."
    assert split_sentences("LONDON, England (CNN) -- A storm hit. It rained.")[0] == "A storm hit."


def test_bullet_lists_give_one_sentence_per_item() -> None:
    text = "Key facts:\n- The vote was 7 to 2\n• Cost is $4.5 million\n1. It opens in 2027"
    assert split_sentences(text) == ["Key facts:", "The vote was 7 to 2", "Cost is $4.5 million", "It opens in 2027"]


def test_line_breaks_end_sentences_and_empties_vanish() -> None:
    assert split_sentences("First line without stop\n\n\nSecond line.\n...\n") == ["First line without stop", "Second line."]
