"""Writes a tiny random-weight llama model as GGUF, for tests that need a real llama-server.

Usage: PYTHONPATH=<llama.cpp>/gguf-py python3 tiny_model.py OUT.gguf

The weights are random (seeded), so the text it produces is gibberish: tests assert structure only.
The vocabulary is SentencePiece-like: <unk> <s> </s>, byte-fallback tokens for ASCII, and printable
ASCII pieces, so any ASCII prompt tokenizes (tests write ASCII prompts).
"""
import sys

import numpy as np
import gguf

N_EMBD, N_LAYER, N_HEAD, N_FF, N_CTX = 64, 2, 4, 128, 2048

def vocab():
    tokens, scores, types = [b"<unk>", b"<s>", b"</s>"], [0.0, 0.0, 0.0], [
        gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    # byte fallback for ASCII only: a random model that emits lone bytes above 0x7f writes invalid
    # UTF-8, which llama-server refuses ("output that does not match the expected ... format")
    for b in range(128):
        tokens.append(("<0x%02X>" % b).encode())
        scores.append(0.0)
        types.append(gguf.TokenType.BYTE)
    pieces = ["\u2581" + chr(c) for c in range(33, 127)] + [chr(c) for c in range(33, 127)] + ["\u2581"]
    pieces += ["\u2581the", "\u2581is", "\u2581of", "\u2581and", "\u2581to", "\u2581in", "\u2581hello", "\u2581world"]
    for i, p in enumerate(pieces):
        tokens.append(p.encode())
        scores.append(-float(i))
        types.append(gguf.TokenType.NORMAL)
    assert len(set(tokens)) == len(tokens), "llama.cpp refuses a vocabulary with duplicate tokens"
    return tokens, scores, types

def main(path):
    rng = np.random.default_rng(42)
    tokens, scores, types = vocab()
    n_vocab = len(tokens)
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("tiny-random-llama")
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_chat_template(
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")

    def t(name, *shape):
        w.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    def ones(name):
        w.add_tensor(name, np.ones(N_EMBD, dtype=np.float32))

    t("token_embd.weight", n_vocab, N_EMBD)
    for i in range(N_LAYER):
        ones(f"blk.{i}.attn_norm.weight")
        for x in ("q", "k", "v", "output"):
            t(f"blk.{i}.attn_{x}.weight", N_EMBD, N_EMBD)
        ones(f"blk.{i}.ffn_norm.weight")
        t(f"blk.{i}.ffn_gate.weight", N_FF, N_EMBD)
        t(f"blk.{i}.ffn_up.weight", N_FF, N_EMBD)
        t(f"blk.{i}.ffn_down.weight", N_EMBD, N_FF)
    ones("output_norm.weight")
    t("output.weight", n_vocab, N_EMBD)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

if __name__ == "__main__":
    main(sys.argv[1])
