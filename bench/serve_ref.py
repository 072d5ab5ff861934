"""The reference server of bench/serve.sh: the Open Inference Protocol's
infer endpoint (POST /v2/models/{m}/infer, JSON, one tensor per column)
answered by scikit-learn's IsolationForest, in FastAPI under uvicorn (Debian
python3-fastapi, uvicorn). It scores the numeric inputs as they come (no
cleaning, no features): what a plain Python model server does per request.

usage: python3 bench/serve_ref.py TRAIN.csv PORT
"""
import sys

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sklearn.ensemble import IsolationForest

NUMERIC = ["cpu", "lat", "label"]


def load(path):
    rows = []
    with open(path) as f:
        head = f.readline().strip().split(",")
        idx = [head.index(c) for c in NUMERIC]
        for line in f:
            cells = line.rstrip("\n").split(",")
            try:
                rows.append([float(cells[i]) for i in idx])
            except ValueError:
                continue
    return np.array(rows)


model = IsolationForest(n_estimators=100, random_state=1).fit(load(sys.argv[1]))
threshold = 0.5
app = FastAPI()


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    req = await request.json()
    cols = {t["name"]: t["data"] for t in req["inputs"]}
    try:
        x = np.array([cols[c] for c in NUMERIC], dtype=float).T
    except (KeyError, TypeError, ValueError) as e:
        return JSONResponse({"error": str(e)}, status_code=400)
    score = -model.score_samples(x)
    n = len(score)
    return {"model_name": name, "model_version": "1", "outputs": [
        {"name": "score", "datatype": "FP64", "shape": [n],
         "data": score.tolist()},
        {"name": "is_anomaly", "datatype": "BOOL", "shape": [n],
         "data": (score >= threshold).tolist()}]}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]),
                log_level="warning", access_log=False)
