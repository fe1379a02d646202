.PHONY: setup demo test test-slow bench
setup:
	./setup.sh
demo: setup
	.venv/bin/styleforge demo
test: setup
	.venv/bin/python -m pytest
test-slow: setup
	.venv/bin/python -m pytest -m slow
bench: setup
	.venv/bin/python benchmarks/dcgan_mnist.py
