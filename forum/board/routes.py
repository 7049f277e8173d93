"""The board's pages: the full board, a prediction, posting, editing, forecasting, voting.
Each write parses the form, calls one service, commits once and redirects (PRG)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import limits
from forum.articles.services import featured_article
from forum.board import bp, queries, services
from forum.board.forms import (
    EditPredictionForm,
    ForecastForm,
    PredictionForm,
    date_shortcuts,
    form_probability,
    read_form_vote,
    show_errors,
)
from forum.board.pages import (
    back_to,
    can_edit,
    login_first,
    render_prediction,
    rows_for,
)
from forum.board.validation import read_prediction, read_prediction_edit, read_probability
from forum.errors import Conflict, Invalid
from forum.extensions import db
from forum.lifecycle import accepts_forecasts, status_of
from forum.pagination import read_page_args
from forum.params import read_id
from forum.permissions import ensure_can_change
from forum.templating import percent

PREDICTION_ID = "<id:prediction_id>"


@bp.get("/predictions")
def featured():
    """The predictions of the featured article (the navigation's "Predictions")."""
    article = featured_article()
    if article is None:
        return redirect(url_for("articles.home"))
    return redirect(url_for("board.index", slug=article.slug))


@bp.get("/articles/<slug>/predictions")
def index(slug: str):
    article = queries.get_article(slug)
    status, sort, query = queries.read_list_args(request.args)
    page, per_page = read_page_args(request.args, default_per_page=20, max_per_page=50)
    listing = queries.list_predictions(article, status=status, sort=sort, query=query,
                                       page=page, per_page=per_page)
    return render_template(
        "board/index.html", article=article, listing=listing,
        rows=rows_for(listing.items, current_user), status=status, sort=sort, query=query,
        sorts=queries.sorts_for(query), statuses=queries.STATUS_FILTERS,
        posted=read_id(request.args.get("posted")),
    )


@bp.get("/articles/<slug>/predictions/new")
def compose(slug: str):
    """The posting form on its own page, for deep links and readers without JavaScript."""
    article = queries.get_article(slug)
    if not current_user.is_authenticated:
        return login_first(request.full_path)
    form = PredictionForm(formdata=None, source="board", quote=request.args.get("quote", ""))
    return render_template("board/new.html", article=article, form=form,
                           shortcuts=date_shortcuts())


@bp.post("/articles/<slug>/predictions")
@limits.post_prediction
def new(slug: str):
    article = queries.get_article(slug)
    if not current_user.is_authenticated:
        return login_first(url_for("articles.show", slug=slug, _anchor="share"))
    form = PredictionForm()
    data = {**request.form.to_dict(), "probability": form_probability(request.form)}
    try:
        draft = read_prediction(data, article.body_text, percent=True)
        prediction = services.create_prediction(article, current_user, draft)
    except Invalid as error:
        show_errors(form, error)
        db.session.rollback()
        if form.source.data == "board":
            return render_template("board/new.html", article=article, form=form,
                                   shortcuts=date_shortcuts()), 422
        from forum.articles.routes import render_article_page

        return render_article_page(article, form=form), 422
    db.session.commit()
    flash("Your prediction is posted. Others can now forecast, vote and comment on it.",
          "success")
    anchor = f"prediction-{prediction.id}"
    if form.source.data == "board":
        return redirect(url_for("board.index", slug=slug, sort="new", posted=prediction.id,
                                _anchor=anchor), code=303)
    return redirect(url_for("articles.show", slug=slug, posted=prediction.id, _anchor=anchor),
                    code=303)


@bp.get("/predictions/" + PREDICTION_ID)
def show(prediction_id: int):
    prediction = queries.get_prediction(prediction_id, current_user)
    return render_prediction(prediction, show_all=request.args.get("forecasts") == "all",
                             reply_to=read_id(request.args.get("reply_to")),
                             all_comments=request.args.get("comments") == "all")


@bp.route("/predictions/" + PREDICTION_ID + "/edit", methods=["GET", "POST"])
@login_required
@limits.edit
def edit(prediction_id: int):
    prediction = queries.get_prediction(prediction_id, current_user)
    ensure_can_change(current_user, prediction, "prediction")  # the author; not if hidden
    status = status_of(prediction.status, prediction.resolution_date)
    if not can_edit(prediction, current_user, status):
        raise Conflict("Others have forecast on this prediction, or it is no longer open, so it "
                       "can't be edited any more. You can explain in a comment instead.")
    form = EditPredictionForm(obj=prediction)
    if request.method == "POST":
        try:
            draft = read_prediction_edit(request.form)
            changed = services.edit_prediction(prediction, current_user, draft)
        except Invalid as error:
            show_errors(form, error)
            db.session.rollback()
            return render_template("board/edit.html", prediction=prediction, form=form,
                                   shortcuts=date_shortcuts()), 422
        db.session.commit()
        flash("Your edit is saved; the earlier text is kept in the revisions."
              if changed else "Nothing changed.", "success" if changed else "info")
        return redirect(url_for("board.show", prediction_id=prediction.id), code=303)
    return render_template("board/edit.html", prediction=prediction, form=form,
                           shortcuts=date_shortcuts())


@bp.post("/predictions/" + PREDICTION_ID + "/forecasts")
@limits.forecast
def forecast(prediction_id: int):
    prediction = queries.get_prediction(prediction_id, current_user)
    back = url_for("board.show", prediction_id=prediction.id, _anchor="forecast")
    if not current_user.is_authenticated:
        return login_first(back)
    if not accepts_forecasts(prediction):
        # Said before reading the number: the page of a closed prediction has no forecast
        # form, so a 422 would show no message. The service's UPDATE still guards the race.
        raise Conflict("This prediction is closed to new forecasts.")
    errors: dict[str, list[str]] = {}
    probability = read_probability(form_probability(request.form), errors, percent=True)
    if errors:
        form = ForecastForm()
        show_errors(form, Invalid(errors))
        return render_prediction(prediction, 422, forecast_form=form)
    services.add_forecast(prediction, current_user, probability)
    db.session.commit()
    flash(f"Your forecast of {percent(probability)} is in. You can update it while the "
          "prediction is open.", "success")
    return redirect(back, code=303)


@bp.post("/predictions/" + PREDICTION_ID + "/vote")
@limits.vote
def vote(prediction_id: int):
    prediction = queries.get_prediction(prediction_id, current_user)
    back = back_to(url_for("board.show", prediction_id=prediction.id))
    if not current_user.is_authenticated:
        return login_first(back)
    services.vote_on_prediction(current_user, prediction, read_form_vote(request.form.get("value")))
    db.session.commit()
    return redirect(back, code=303)
