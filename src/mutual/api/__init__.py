"""The only package that imports litestar: the app, its routes, schemas, auth and problems."""
