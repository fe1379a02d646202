.PHONY: setup demo test test-slow bench serve
setup:
	./setup.sh
demo: setup
	.venv/bin/styleforge demo
test:
	./setup.sh --test && .venv/bin/python -m pytest
test-slow: setup
	.venv/bin/python -m pytest -m slow -n 0
bench: setup
	.venv/bin/python benchmarks/dcgan_mnist.py --judge-epochs 10 --steps 7000 --eval-every 1000
	.venv/bin/python benchmarks/quality.py --recipes cut,fastcut --preset fast --size 128 --steps 500 --eval-every 250 --set train.threads=2
	.venv/bin/python benchmarks/print_tiling.py --sizes 2048,4096,8192
	.venv/bin/python benchmarks/video.py --frames 24
	.venv/bin/python benchmarks/web_load.py --requests 20 --size 512
	.venv/bin/python benchmarks/fewshot.py --steps 1500
	.venv/bin/python benchmarks/multistyle.py --steps 2000
	.venv/bin/python benchmarks/speed.py --steps 3
	.venv/bin/python benchmarks/quality.py --recipes fastcut --preset quick --size 128 --test-size 256 --steps 1500 --eval-every 250 --set train.threads=2
	.venv/bin/python benchmarks/quality.py --recipes filters --preset quick --size 128 --test-size 256 --steps 400 --eval-every 50 --set train.threads=2
serve: setup
	.venv/bin/styleforge serve
