"""Word vectors for embedding layers: pretrained files read (`vector_files`) and turned into
an embedding matrix (`embedding_matrix`), and in-domain vectors learned with gensim
(`learned_vectors`). Importing this package loads neither TensorFlow nor gensim, so
command lines can check a vector file before TensorFlow starts."""
