from consult.security import hash_password, new_token, token_hash, verify_password


def test_password_hash_is_argon2id_and_verifies():
    hashed = hash_password("une phrase assez longue")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "une phrase assez longue")
    assert not verify_password(hashed, "une autre phrase longue")
    assert not verify_password(None, "une phrase assez longue")
    assert not verify_password("not-a-hash", "x")


def test_tokens_are_random_and_stored_hashed():
    first, second = new_token(), new_token()
    assert first != second and len(first) >= 40
    assert token_hash(first) != first and len(token_hash(first)) == 64
