from jielong.tokenizer import ASSISTANT, END, USER


def test_world_words_are_single_tokens(small_world, small_tokenizer):
    person = small_world.people[0]
    city = small_tokenizer.tokenize(f" {person.birth_city}")
    assert len(city) == 1
    assert small_tokenizer.tokenize("was born in") == small_tokenizer.tokenize(" was born in")


def test_round_trip_and_any_text(small_tokenizer):
    text = "Alice Abbott was born in Lagos. ~~ unseen @#% text ~~"
    ids = small_tokenizer(text, add_special_tokens=False)["input_ids"]
    assert small_tokenizer.decode(ids).strip() == text


def test_chat_template_marks_the_assistant_part(small_tokenizer):
    messages = [{"role": "user", "content": "Where was X born?"}, {"role": "assistant", "content": "Lima"}]
    text = small_tokenizer.apply_chat_template(messages, tokenize=False)
    assert text.startswith(small_tokenizer.bos_token + USER) and ASSISTANT in text and text.endswith(END)
    enc = small_tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True,
                                              return_assistant_tokens_mask=True)
    mask, ids = enc["assistant_masks"], enc["input_ids"]
    answer = small_tokenizer.decode([i for i, m in zip(ids, mask) if m])
    assert answer.strip() == f"Lima{END}"
    prompt = small_tokenizer.apply_chat_template(messages[:1], tokenize=False, add_generation_prompt=True)
    assert prompt.endswith(ASSISTANT)


def test_bad_vocab_size(small_world):
    import pytest

    from jielong.tokenizer import train_tokenizer

    for bad in (10, 10**6, 2.5):
        with pytest.raises(ValueError, match="vocab_size must be an integer from 300 to 65536"):
            train_tokenizer(small_world, vocab_size=bad)
