"""API routes for the ledger domain (filled in by that domain's work)."""

from fastapi import APIRouter

router = APIRouter(tags=["ledger"])
