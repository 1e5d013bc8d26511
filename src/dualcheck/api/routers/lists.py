"""API routes for the lists domain (filled in by that domain's work)."""

from fastapi import APIRouter

router = APIRouter(tags=["lists"])
