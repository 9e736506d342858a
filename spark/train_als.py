"""Train Spark MLlib ALS on a Marquee export and write the factors Marquee's `als-import` serves.

Marquee trains on one machine; past one machine's memory or patience, Spark's ALS is the existing
engine. The flow:

  1. npm run spark:export -- /shared/marquee-export        (ratings.csv, users.csv, manifest.json)
  2. spark-submit --master <your cluster> --deploy-mode client \\
         spark/train_als.py --ratings /shared/marquee-export --out /shared/marquee-als \\
         --rank 64 --reg 0.1 --iters 10 [--implicit --alpha 2] [--seed 1]
  3. MARQUEE_ALS_FACTORS=/shared/marquee-als MARQUEE_ALGORITHMS=als-import,ease npm start

--ratings and --out may be any path Spark's Hadoop file systems reach (file:, hdfs:, s3a:); Marquee
reads --out as a local folder, so copy it down when it is remote. Written into --out:

  user_factors/  part-*.json + _SUCCESS   one JSON line per user: {"id": 17, "features": [...]}
  item_factors/  part-*.json + _SUCCESS   the same per movie (id = movieId)
  params.json    rank, reg, implicit, alpha, iters, seed and the export's dataset/fingerprint/
                 member id offset: how als-import folds members in the same way (written last)

Members have Spark user ids above the export's memberUserIdOffset (users.csv lists them);
als-import solves them again from their current ratings, so ratings given since the export count.

Requires Spark 3.x or 4.x with Python (pyspark). Not run on Marquee's build machines (no Spark
there): the factor layout it writes is what Marquee's tests read.
"""
import argparse
import json
import sys

from pyspark.ml.recommendation import ALS
from pyspark.sql import SparkSession
from pyspark.sql.types import FloatType, IntegerType, LongType, StructField, StructType

RATINGS_SCHEMA = StructType([
    StructField("userId", IntegerType(), False),
    StructField("movieId", IntegerType(), False),
    StructField("rating", FloatType(), False),
    StructField("timestamp", LongType(), True),
])


def parse_args(argv):
    p = argparse.ArgumentParser(description="Train Spark ALS on a Marquee export (npm run spark:export).")
    p.add_argument("--ratings", required=True, help="the export folder (holds ratings.csv and manifest.json)")
    p.add_argument("--out", required=True, help="where to write user_factors/, item_factors/ and params.json")
    p.add_argument("--rank", type=int, default=64, help="number of latent factors (default 64)")
    p.add_argument("--reg", type=float, default=0.1, help="regParam λ, scaled per rating by Spark (ALS-WR; default 0.1, as Spark)")
    p.add_argument("--iters", type=int, default=10, help="alternating iterations (default 10)")
    p.add_argument("--implicit", action="store_true", help="implicit feedback (confidence 1 + alpha*|rating|)")
    p.add_argument("--alpha", type=float, default=1.0, help="implicit confidence scale (default 1.0)")
    p.add_argument("--seed", type=int, default=1, help="seed of the factor initialisation (default 1)")
    p.add_argument("--blocks", type=int, default=10, help="user and item blocks (parallelism; default 10)")
    p.add_argument("--checkpoint-dir", help="checkpoint folder, so long runs cut their lineage every 10 iterations")
    a = p.parse_args(argv)
    if a.rank < 1:
        p.error("--rank must be at least 1")
    if not a.reg > 0:
        p.error("--reg must be greater than 0")
    if a.iters < 1:
        p.error("--iters must be at least 1")
    if a.alpha < 0:
        p.error("--alpha must be at least 0")
    return a


def join_path(base, name):
    return base.rstrip("/") + "/" + name


def read_manifest(spark, export):
    path = join_path(export, "manifest.json")
    text = spark.read.text(path, wholetext=True).first()[0]
    manifest = json.loads(text)
    if manifest.get("format") != "marquee-spark-export":
        raise SystemExit(f"{path} is not a Marquee export manifest (npm run spark:export writes one)")
    return manifest


def write_text(spark, path, text):
    """Writes one small file through Hadoop's FileSystem, so --out may be on any file system Spark reaches."""
    jvm = spark.sparkContext._jvm
    target = jvm.org.apache.hadoop.fs.Path(path)
    fs = target.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(target, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def main(argv):
    a = parse_args(argv)
    spark = SparkSession.builder.appName("marquee-train-als").getOrCreate()
    if a.checkpoint_dir:
        spark.sparkContext.setCheckpointDir(a.checkpoint_dir)
    manifest = read_manifest(spark, a.ratings)
    ratings = spark.read.csv(join_path(a.ratings, manifest["files"]["ratings"]), header=True,
                             schema=RATINGS_SCHEMA, mode="FAILFAST")
    als = ALS(rank=a.rank, maxIter=a.iters, regParam=a.reg, implicitPrefs=a.implicit, alpha=a.alpha,
              userCol="userId", itemCol="movieId", ratingCol="rating", nonnegative=False,
              numUserBlocks=a.blocks, numItemBlocks=a.blocks, seed=a.seed, coldStartStrategy="drop")
    model = als.fit(ratings)
    # Spark's own layout: a folder of part-*.json (one per partition) and _SUCCESS, columns id, features
    model.userFactors.write.mode("overwrite").json(join_path(a.out, "user_factors"))
    model.itemFactors.write.mode("overwrite").json(join_path(a.out, "item_factors"))
    params = {
        "trainer": f"spark-mllib-als {spark.version}",
        "weighting": "spark",
        "rank": a.rank,
        "reg": a.reg,
        "implicit": a.implicit,
        "alpha": a.alpha,
        "iters": a.iters,
        "seed": a.seed,
        "export": {
            "dataset": manifest["dataset"],
            "fingerprint": manifest["fingerprint"],
            "memberUserIdOffset": manifest["memberUserIdOffset"],
            "exportedAt": manifest["exportedAt"],
        },
    }
    # last: a folder with params.json is a finished run
    write_text(spark, join_path(a.out, "params.json"), json.dumps(params, indent=2) + "\n")
    print(f"wrote {a.out}: rank {a.rank}, {'implicit' if a.implicit else 'explicit'}, "
          f"{model.userFactors.count()} users, {model.itemFactors.count()} movies")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
