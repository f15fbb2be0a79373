#!/usr/bin/env bash
# The GPU checks of issue 3 in one run, for a machine with CUDA and torch already installed:
#   1. every device-parametrized test, on CUDA (tests/conftest.py adds "cuda" when present);
#   2. the speed benchmark on CUDA (throughput at batch 32 / 256 / 1024, memory sweep);
#   3. `braid design` with its defaults on an unseen Ehrlich instance, with the GPU doing the
#      work (pre-training, reward fit, fine-tuning), scored by the oracle;
#   4. whether that run's reward model, and fits made on the GPU, rank designs above D's best
#      plateau (bench/plateau_signal.py; unseen_design.md, "Session 15").
# Results go to bench/results/*cuda*; the log and results are copied to $1 when given.
#
#     bash bench/gpu_check.sh [COPY_TO]
set -uo pipefail
copy_to=${1:-}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
python=${PYTHON:-python3}
log=bench/results/gpu_check.log
mkdir -p bench/results
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  $python -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
  echo "== tests on cuda"
  timeout 90 $python -m pytest -q -p no:cacheprovider -k cuda tests/diffusion tests/rewards \
    tests/tasks tests/test_runs.py tests/test_finetune.py 2>&1 | tail -20
  echo "== speed benchmark"
  timeout 120 $python bench/speed_bench.py --device cuda --lengths 32 64 --repeats 10 \
    --batches 32 256 1024 --tag speed_bench_cuda \
    --note "GPU machine; defaults of session 10 (tilted estimator, 4 gradient steps, training chains of 16 reverse steps)"
  echo "== braid design on an unseen instance, on cuda"
  timeout 250 $python bench/unseen_design.py --instances 48:2:20 --device cuda \
    --max-minutes 2.5 --threads 4 --keep /tmp/gpu_runs --tag unseen_design_cuda
  echo "== does the design run's reward model, or a fit on the GPU, rank past the plateau"
  timeout 40 $python bench/plateau_signal.py --instances 48:2:20 --device cuda \
    --reward /tmp/gpu_runs/48_2_20_seed0_default_auto/reward
  timeout 90 $python bench/plateau_signal.py --instances 48:2:20 --seeds 0,1,2 --as-design \
    --device cuda
} 2>&1 | tee "$log"
if [ -n "$copy_to" ]; then
  cp "$log" bench/results/*cuda* "$copy_to"/ 2>/dev/null
fi
